#include "vx.h"


int vx_sas(struct vx *v, cJSON *root) { (void)v; (void)root; return 0; }
int vx_spake2(struct vx *v, cJSON *root) { (void)v; (void)root; return 0; }
int vx_offline(struct vx *v, cJSON *root) { (void)v; (void)root; return 0; }
