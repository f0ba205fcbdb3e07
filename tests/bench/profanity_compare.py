#!/usr/bin/env python3
"""The table of profanity_compare.sh, from what the run left behind.

    profanity_compare.py STEPS TYPED ALICE_LOG BOB_LOG PROSODY_DATA

STEPS holds "NAME START" lines (UTC, ISO 8601), a step ending where the
next begins; TYPED "STEP WHO COMMAND..." lines, one per command a person
typed. The logs are Profanity's debug logs (profanity -l DEBUG): each
stanza a client sent or received is there as "SENT: " or "RECV: " and the
stanza as libstrophe serialized it, which is what this counts, in UTF-8
bytes. Pings to the server (urn:xmpp:ping) and their answers are left out:
they are keep-alives, the same for all three.
"""
import glob
import os
import re
import sys
import xml.etree.ElementTree as ET

SCHEMES = [("xe2e", "xe2e"), ("omemo", "OMEMO"), ("otr", "OTR")]
TEXT = "Hello, Bob!"
METHOD = """
Two Profanity 0.13.1 clients under tmux, the xe2e plugin loaded in both,
one account each on a private Prosody 0.12 (PEP, MAM archiving every
message, offline storage), each in the other's roster. One run goes
through OTR, then OMEMO, then xe2e, with the same conversation: a
session, "Hello, Bob!" typed in Alice's chat window, both people
verifying the other.

- Stanzas and bytes: every stanza both clients sent to the server and
  received from it during the step, as each client's debug log
  (profanity -l DEBUG) prints it serialized, in UTF-8 bytes; pings to
  the server left out; no TLS or TCP framing. A step ends when neither
  log has grown for a second.
- Key publication: /omemo gen (device list and bundle through PEP, with
  the notifications both receive) and /otr gen. Session setup:
  /xe2e start (the handshake), /omemo start (bundle fetches; device lists
  arrived by PEP notification at key publication), /otr start (the AKE).
- "Hello, Bob!": the message stanza is the largest message Alice sent in
  that step, and as the server delivered it to Bob. "All stanzas" is
  everything in the step: chat states, receipts, and what the first
  message sets off (an OMEMO prekey used makes the receiver republish
  its bundle and fetch the sender's).
- In clear on the server: the elements under each message both clients
  sent in that step, read as the server reads them. Storage: whether
  the server's archive files hold that message (by its id) and the
  text, and its offline store, read after the whole run.
- Verification: xe2e, /xe2e verify and a yes on each side; OMEMO, each
  side shows the other's fingerprint (/omemo fingerprint JID fetches
  the bundle again), the other shows their own, and trusts it (Alice
  before the message, Bob after it); OTR, the Socialist Millionaires'
  Protocol asked by each side in turn. Commands are those the run typed
  (moving between windows not counted); /omemo trust takes the
  fingerprint, 64 hexadecimal digits, as its argument.
- Profanity 0.13.1 publishes its OMEMO device only in a device list it
  could fetch, and Prosody answers item-not-found for an account that
  never had one: an empty list is published first for each account,
  through a second login of the account, not counted.
"""
ENTRY = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z): ")
STANZA = re.compile(r"\b(SENT|RECV): (<(?:message|presence|iq)\b.*)$", re.S)
SHORT_NS = {
    "http://jabber.org/protocol/chatstates": "chat state",
    "urn:xmpp:receipts": "receipt",
    "urn:xmpp:hints": "storage hint",
    "urn:xmpp:eme:0": "encryption marker",
    "eu.siacs.conversations.axolotl": "OMEMO payload",
    "urn:xe2e:1": "xe2e seal",
    "urn:xmpp:sid:0": "origin id",
    "urn:xmpp:carbons:2": "carbons",
    "jabber:client": "",
}


def read_steps(path):
    steps = []
    with open(path) as f:
        for line in f:
            name, start = line.split()
            steps.append((name, start))
    return steps


def step_of(steps, when):
    name = None
    for n, start in steps:
        if when >= start:
            name = n
    return name


def read_log(path):
    """Each stanza of the log: (time, SENT or RECV, text)."""
    entries = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = ENTRY.match(line)
            if m:
                entries.append([m.group(1), line[m.end():]])
            elif entries:
                entries[-1][1] += line
    out = []
    for when, rest in entries:
        m = STANZA.search(rest)
        if m:
            out.append((when, m.group(1), m.group(2).rstrip("\n")))
    return out


def without_pings(stanzas):
    pings = set()
    for _, _, text in stanzas:
        if text.startswith("<iq") and "urn:xmpp:ping" in text:
            m = re.search(r'\bid="([^"]*)"', text)
            if m:
                pings.add(m.group(1))
    kept = []
    for s in stanzas:
        m = re.search(r'\bid="([^"]*)"', s[2])
        if s[2].startswith("<iq") and m and m.group(1) in pings:
            continue
        kept.append(s)
    return kept


def size(text):
    return len(text.encode("utf-8"))


class Traffic:
    """Stanzas by step: sent by the clients, delivered to them."""

    def __init__(self, steps, logs):
        self.by = {}
        for who, path in logs.items():
            for when, way, text in without_pings(read_log(path)):
                step = step_of(steps, when)
                self.by.setdefault((step, who, way), []).append(text)

    def get(self, steps, who=None, way=None):
        out = []
        for (step, w, d), texts in self.by.items():
            if step in steps and (who is None or w == who) and (way is None or d == way):
                out.extend(texts)
        return out

    def summary(self, steps):
        sent = self.get(steps, way="SENT")
        recv = self.get(steps, way="RECV")
        return "%d sent, %d received; %s B sent, %s B received" % (
            len(sent), len(recv), f"{sum(map(size, sent)):,}", f"{sum(map(size, recv)):,}")


def local(tag):
    ns, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return ns, name


def in_clear(messages):
    """What the server reads in these message stanzas: the elements under
    each <message/> (by what they are), and the text, if it is there."""
    seen = []
    for text in messages:
        try:
            root = ET.fromstring(text)
        except ET.ParseError:
            continue
        for child in root:
            ns, name = local(child.tag)
            what = SHORT_NS.get(ns, ns)
            if name == "body":
                body = (child.text or "").strip()
                if TEXT in body:
                    label = "body: the text"
                elif body.startswith("?OTR"):
                    label = "body: ciphertext"
                else:
                    label = "body: a notice"
            elif what:
                label = "%s <%s/>" % (what, name)
            else:
                label = "<%s/> %s" % (name, ns)
            if label not in seen:
                seen.append(label)
        if root.get("id") and "message id" not in seen:
            seen.append("message id")
    return ", ".join(seen) or "none"


def hello_of(traffic, step, who, way):
    messages = [t for t in traffic.get([step], who, way) if t.startswith("<message")]
    return max(messages, key=size) if messages else None


def archived(data, hello):
    """What Prosody's archive files (mod_mam, internal storage) and offline
    store hold of the stanza Alice sent: its text, its id."""
    files = glob.glob(os.path.join(data, "*", "archive", "*"))
    content = ""
    for path in files:
        with open(path, encoding="utf-8", errors="replace") as f:
            content += f.read()
    offline = glob.glob(os.path.join(data, "*", "offline", "*"))
    m = re.search(r'\bid="([^"]*)"', hello or "")
    if m and m.group(1) in content:
        kept = "archived, with its id"
    else:
        kept = "not archived"
    if TEXT in content:
        kept += "; the text is in the archive"
    return kept + ("; offline store: %d file(s)" % len(offline) if offline else "; offline store empty")


def commands(typed, scheme):
    once, verified = [], []
    with open(typed) as f:
        for line in f:
            step, who, command = line.rstrip("\n").split(" ", 2)
            if not step.startswith(scheme + "-"):
                continue
            words = command.split()
            shown = words[:2] + [w for w in words[2:3] if w in ("yes", "no")]
            (once if step.endswith("-keys") else verified).append((who, " ".join(shown)))
    return once, verified


def listed(commands):
    """N (Alice a, Bob b): who typed what, in order."""
    people = ", ".join("%s %d" % (who.capitalize(), sum(1 for w, _ in commands if w == who))
                       for who in ("alice", "bob"))
    return "%d (%s): %s" % (len(commands), people,
                            "; ".join("%s %s" % (who.capitalize(), c) for who, c in commands))


def main():
    steps_path, typed, alice_log, bob_log, data = sys.argv[1:6]
    steps = read_steps(steps_path)
    names = [n for n, _ in steps]
    traffic = Traffic(steps, {"alice": alice_log, "bob": bob_log})
    rows = {}
    for scheme, _ in SCHEMES:
        col = {}
        keys = [n for n in names if n == scheme + "-keys"]
        col["keys"] = traffic.summary(keys) if keys else "none in the client (xe2e-keygen, off the wire)"
        col["setup"] = traffic.summary([scheme + "-setup"])
        sent = hello_of(traffic, scheme + "-hello", "alice", "SENT")
        got = hello_of(traffic, scheme + "-hello", "bob", "RECV")
        col["hello"] = "%s B sent, %s B delivered" % (
            f"{size(sent):,}" if sent else "not measured: no message stanza in the log",
            f"{size(got):,}" if got else "none")
        col["hello-all"] = traffic.summary([scheme + "-hello"])
        on_server = [t for t in traffic.get([scheme + "-hello"], way="SENT") if t.startswith("<message")]
        col["clear"] = in_clear(on_server)
        col["archive"] = archived(data, sent)
        col["verify"] = traffic.summary([n for n in names if n.startswith(scheme + "-verify")])
        once, verified = commands(typed, scheme)
        col["commands"] = listed(verified)
        col["once"] = listed(once) if once else "0 in the client (xe2e-keygen in a shell, once per account)"
        rows[scheme] = col
    labels = [
        ("keys", "One-time key publication (stanzas, bytes)"),
        ("setup", "Session setup (stanzas, bytes)"),
        ("hello", '"Hello, Bob!": the message stanza'),
        ("hello-all", '"Hello, Bob!": all stanzas (chat states, receipts)'),
        ("clear", '"Hello, Bob!": in clear on the server'),
        ("archive", "Server storage after the run"),
        ("verify", "Verification (stanzas, bytes)"),
        ("commands", "Commands typed to a verified conversation"),
        ("once", "Commands typed once per account"),
    ]
    print("### Side by side in Profanity: xe2e, OMEMO, OTR")
    print()
    for line in METHOD.strip("\n").split("\n"):
        print(line)
    print()
    print("| | " + " | ".join(title for _, title in SCHEMES) + " |")
    print("| --- | " + " | ".join("---" for _ in SCHEMES) + " |")
    for key, label in labels:
        print("| %s | %s |" % (label, " | ".join(rows[s][key].replace("|", "\\|") for s, _ in SCHEMES)))


if __name__ == "__main__":
    main()
