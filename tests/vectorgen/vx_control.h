/* The control elements of a verification run in the vectors (xe2e(7)
 * VERIFICATION "Control stanzas"), made by the library's verify_msg. */
#ifndef XE2E_VX_CONTROL_H
#define XE2E_VX_CONTROL_H

#include "verify_msg.h"
#include "vx.h"

/* Output "control": the element of a step whose body (len bytes) is in
 * obj's "body" (output too; the file's then in body, which the receiver
 * reads). */
int vx_control_out(struct vx *v, cJSON *obj, enum verify_method method, enum verify_step step,
		   struct buf *body);

/* Output "control" of a result (answer, reason may be NONE). */
int vx_result_out(struct vx *v, cJSON *obj, enum verify_method method,
		  enum verify_answer answer, enum verify_reason reason);

#endif
