/*
 * The /xe2e command, and the line typed after /xe2e secret. A command
 * without a JID is about the peer of the current chat window.
 */
#ifndef XE2E_PROFANITY_COMMANDS_H
#define XE2E_PROFANITY_COMMANDS_H

/* /xe2e with its words (NULL-terminated), as Profanity splits them. */
void command_run(char **args);

/*
 * A line typed in the chat with the peer, before Profanity sends it: 1
 * when it was the secret /xe2e secret asked for, taken and to be dropped
 * (never shown, sent or logged), 0 for Profanity to send it.
 */
int command_chat_line(const char *peer, const char *line);

/* Forgets a secret asked for (the account went away). */
void command_reset(void);

#endif
