/*
 * The namespace of every element xe2e puts on the wire: handshakes, sealed
 * stanzas, initial messages, control elements of verification runs and
 * prekey bundles (xe2e(7) CONVENTIONS). One spelling, one place.
 */
#ifndef XE2E_NS_H
#define XE2E_NS_H

#define XE2E_NS "urn:xe2e:1"

#endif
