/*
 * The stanzas Profanity hands the plugin as text. Fail closed: once the
 * peer has a current session, or a handshake with the peer is under way,
 * a stanza to the peer leaves sealed or not at all, and the window says
 * why. A received stanza of ours is opened and shown, or shown as an
 * error line with its reason; never as plain text.
 */
#ifndef XE2E_PROFANITY_STANZAS_H
#define XE2E_PROFANITY_STANZAS_H

/* A stanza Profanity is about to send: NULL to send it as it is, or what
 * to send instead (malloc'd: its sealed form, or white space when it must
 * not leave). */
char *stanza_outgoing(const char *stanza);

/* A message received: 1 for Profanity to handle it, 0 when the plugin
 * took it. */
int stanza_message_received(const char *stanza);

/* A presence or an iq received: the same. */
int stanza_other_received(const char *stanza);

/* Opens a sealed message and shows what it holds. */
void stanza_open_message(const char *text);

#endif
