/*
 * The stanza reader's state, shared by xml_reader.c (input, prolog, end of
 * input) and xml_build.c (expat and the tree it builds). Not part of the
 * library's interface.
 */
#ifndef XE2E_XML_READER_PRIV_H
#define XE2E_XML_READER_PRIV_H

#include <expat.h>

#include "buf.h"
#include "xml_priv.h"

/* Where the reader is in its input. */
enum xml_phase {
	XML_PHASE_START,   /* at the very start: maybe an XML declaration */
	XML_PHASE_DECL,    /* inside the XML declaration */
	XML_PHASE_MISC,    /* white space before the first element */
	XML_PHASE_RAW,     /* markup before any element: expat rejects it */
	XML_PHASE_CONTENT, /* the synthetic root is open; stanzas follow */
};

/* Input read but not yet given to expat (xml_gate.c). */
struct xml_gate {
	struct buf held;
	size_t ready;        /* held[0..ready) may go to expat: no token open there */
	unsigned char state; /* where the last held byte left the input's lexis */
	unsigned char count; /* of '-', '?' or ']' just seen, or of "CDATA[" */
	char quote;          /* that opened the current attribute value or literal */
};

/* How an exact reader (XML_READ_EXACT) gets its input without consuming
 * any past the stanza it hands over (xml_reader.c). */
enum xml_exact_how {
	XML_EXACT_BYTE,  /* read(2) of one byte at a time: any fd */
	XML_EXACT_PREAD, /* a seekable file: pread(2), the offset set after */
	XML_EXACT_TEE,   /* a pipe: tee(2) into a pipe of its own, read after */
	XML_EXACT_PEEK,  /* a socket: recv(2) with MSG_PEEK, read after */
};

struct xml_reader {
	XML_Parser p;
	int fd; /* -1 when reading from memory */
	const char *mem;
	size_t mem_len, mem_pos;
	enum xml_reader_mode mode;
	struct xml_limits lim;
	int allow_stream; /* 0 for xml_parse_element */

	/* outcome */
	int err; /* final result once set: XE2E_E_EOF or an error */
	char detail[256];
	int suspended; /* expat holds input it has not parsed yet */
	int in_parse;  /* inside XML_Parse or XML_ResumeParser */
	struct xml_node *ready;

	/* position in the real input (synthetic text not counted) */
	enum xml_phase phase;
	char pro[256]; /* prolog bytes held back while deciding */
	size_t pro_len;
	unsigned long line, col; /* col counts characters, from 0 */
	int after_cr;
	unsigned long syn_line, syn_col;
	size_t syn_len; /* length of the synthetic root start tag, once fed */
	long long fed;  /* bytes given to expat, synthetic ones included */
	long long mark; /* where the bytes counted against the stanza limit start */
	struct xml_gate gate;

	/* exact reading: bytes counted from where the fd was at the start */
	enum xml_exact_how how;
	long long base;      /* the file offset at the start (XML_EXACT_PREAD) */
	long long taken;     /* bytes had from the fd */
	long long consumed;  /* bytes taken off the fd for good */
	long long ready_end; /* real bytes up to the end of r->ready, or of the
			      * closing stream tag */
	int tee[2];          /* the pipe of its own (XML_EXACT_TEE), -1 until made */

	/* tree building */
	unsigned open; /* open elements, the synthetic root included */
	int in_stream, stream_done, closing;
	unsigned long stanzas;
	char *stream_qname;
	struct xml_node *stanza, *cur;
	long long stanza_start;
	struct buf text;
	struct xml_nsdecl *pend; /* declarations for the next start tag */
	size_t n_pend, cap_pend;
};

/* The synthetic root: bare input is read as content of it, in jabber:client. */
#define XML_SYN_ROOT "<r xmlns='" XML_NS_CLIENT "'>"

/* --- xml_mem.c --- */

/* Allocation functions for expat that wipe every block they free. */
extern const XML_Memory_Handling_Suite xml_mem_suite;

/* --- xml_gate.c --- */

/* Takes n bytes of input after the prolog and gives expat all of the held
 * input up to the last point where no token is open. */
int xml_gate_take(struct xml_reader *r, const char *data, size_t n);

/* Gives expat the held input up to the last such point, unless expat is
 * suspended after a stanza. */
int xml_gate_feed(struct xml_reader *r);

/* Gives expat all of the held input (at the end of input, or when it
 * exceeds the stanza limit), unless expat is suspended after a stanza. */
int xml_gate_flush(struct xml_reader *r);

/* Bytes read but not yet given to expat. */
size_t xml_gate_held(const struct xml_reader *r);

/* Wipes and frees the held input. */
void xml_gate_free(struct xml_reader *r);

/* --- xml_reader.c --- */

/* After a read of fd failed (errno set): 1 when it is worth trying again,
 * as it was interrupted, or fd is non-blocking (EAGAIN) and has input, end
 * of input or an error now (waited for); 0 otherwise. */
int xml_read_again(int fd);

/* --- xml_exact.c --- */

/* Chooses how an exact reader reads its fd. */
void xml_exact_setup(struct xml_reader *r);

/* Up to want bytes of input after what was taken; *n 0 at its end. */
int xml_exact_read(struct xml_reader *r, char *buf, size_t want, size_t *n);

/* Takes the input off the fd up to upto bytes from the start. */
int xml_exact_consume(struct xml_reader *r, long long upto);

/* Closes what xml_exact_setup() opened. */
void xml_exact_free(struct xml_reader *r);

/* --- xml_build.c --- */

/* Creates the expat parser with its handlers and restrictions. */
int xml_build_init(struct xml_reader *r);

/* Frees the parser and any tree in progress. */
void xml_build_free(struct xml_reader *r);

/* Gives n bytes to expat; synthetic bytes do not count for positions. */
int xml_build_feed(struct xml_reader *r, const char *data, size_t n, int synthetic, int final);

/* Continues a parse suspended after a stanza. */
int xml_build_resume(struct xml_reader *r);

/* Records a final error with a detail ending in the current position;
 * returns err. The position is expat's inside a handler and after a parse
 * error, else the end of the input read so far. */
int xml_build_fail(struct xml_reader *r, int err, int at_input_end, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
