/*
 * The calls of Profanity's plugin API (profapi.h) that client.c makes.
 * profapi.h defines Profanity's function pointers instead of declaring
 * them, so only one file may include it: xe2e.c, whose pointers Profanity
 * fills in as it loads the plugin. client.c sees them through these
 * declarations, which xe2e.c includes next to profapi.h, so that the
 * compiler checks each against Profanity's own.
 */
#ifndef XE2E_PROFANITY_PROF_H
#define XE2E_PROFANITY_PROF_H

/* The pointers are Profanity's to find in the plugin (dlsym). */
#define PROF_API extern __attribute__((visibility("default")))

PROF_API int (*prof_cons_show)(const char *const message);
PROF_API int (*prof_cons_show_themed)(const char *const group, const char *const item,
				      const char *const def, const char *const message);
PROF_API int (*prof_cons_bad_cmd_usage)(const char *const cmd);
PROF_API void (*prof_send_line)(char *line);
PROF_API char *(*prof_get_current_recipient)(void);
PROF_API char *(*prof_get_name_from_roster)(const char *barejid);
PROF_API void (*prof_log_warning)(const char *message);
PROF_API int (*prof_send_stanza)(char *stanza);
PROF_API int (*prof_chat_set_titlebar_enctext)(const char *barejid, const char *enctext);
PROF_API int (*prof_chat_unset_titlebar_enctext)(const char *barejid);
PROF_API int (*prof_chat_show_themed)(const char *const barejid, const char *const group,
				      const char *const item, const char *const def,
				      const char *const ch, const char *const message);

#endif
