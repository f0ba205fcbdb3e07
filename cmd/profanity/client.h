/*
 * What the plugin asks of Profanity (prof.h): lines in the peer's chat
 * window (or the console), the chat's titlebar mark, stanzas sent, the
 * peer of the current window. Every line starts with "xe2e: ".
 */
#ifndef XE2E_PROFANITY_CLIENT_H
#define XE2E_PROFANITY_CLIENT_H

/* A line about the peer (NULL: none) in its chat window, or the console
 * when the peer has no window open. */
void client_info(const char *peer, const char *text);

/* The same, as an error (red). */
void client_error(const char *peer, const char *text);

/* A message opened from the peer, in its chat window (opened if need be). */
void client_incoming(const char *peer, const char *body);

/* The titlebar of the peer's chat after its session's trust:
 * [xe2e], [xe2e verified] or [xe2e untrusted]; none without a session. */
void client_mark(const char *peer);

/* Sends the stanza text, if any, and frees it. */
void client_send(char *stanza);

/* A warning in Profanity's log only. */
void client_log_warning(const char *text);

/* The peer of the current chat window, or NULL (said why in the console). */
const char *client_current_peer(void);

/* Profanity's usage message for /xe2e. */
void client_bad_usage(void);

/* Said as the plugin is unloaded while an account is connected. */
void client_unloaded(void);

#endif
