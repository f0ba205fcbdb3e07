/* Control elements in the vectors (vx_control.h). */
#include "vx_control.h"

#include <string.h>

#include "err.h"

/* The element of m, serialized, as output "control". */
static int vx_msg_out(struct vx *v, cJSON *obj, const struct verify_msg *m)
{
	struct xml_node *el = NULL;
	struct buf text = BUF_INIT;
	int err = verify_msg_build(m, &el);

	if (!err)
		err = xml_serialize(el, &text);
	if (!err)
		err = buf_terminate(&text);
	if (!err)
		vx_out_str(v, obj, "control", (const char *)text.data);
	xml_free(el);
	buf_free(&text);
	VX_TRY(v, err, "the control element");
	return 0;
}

int vx_control_out(struct vx *v, cJSON *obj, enum verify_method method, enum verify_step step,
		   struct buf *body)
{
	struct verify_msg m;
	int err;

	vx_out_str(v, obj, "step", verify_step_name(step));
	vx_wire(v, obj, "body", body);
	memset(&m, 0, sizeof(m));
	m.method = method;
	m.step = step;
	if (body->len > sizeof(m.body)) {
		vx_fail(v, "a body of %zu bytes", body->len);
		return -1;
	}
	if (body->len)
		memcpy(m.body, body->data, body->len);
	m.len = body->len;
	err = vx_msg_out(v, obj, &m);
	verify_msg_wipe(&m);
	return err;
}

int vx_result_out(struct vx *v, cJSON *obj, enum verify_method method,
		  enum verify_answer answer, enum verify_reason reason)
{
	struct verify_msg m;

	verify_msg_result(&m, method, answer, reason);
	vx_out_str(v, obj, "step", verify_step_name(VERIFY_STEP_RESULT));
	return vx_msg_out(v, obj, &m);
}
