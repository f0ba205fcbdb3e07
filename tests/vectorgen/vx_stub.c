#include "vx.h"




int vx_offline(struct vx *v, cJSON *root) { (void)v; (void)root; return 0; }
