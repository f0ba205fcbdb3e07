# State restored as backup and snapshot tools restore it (xe2e(7)
# SESSIONS, "Restored state"):
#
#   load restore_helpers
#
#   session_rehome FILE...   rewrites the written-as line of each session
#                            file, in place, to the file's own (device,
#                            inode, generation): the file is then taken for
#                            the live one, as a file-system snapshot gives
#                            back the very inode it saved
#   home_copy SRC DST        cp -a, then session_rehome on every session
#                            file of DST: a home of its own, no links
#   tree_rollback SNAP HOME  rewinds HOME to SNAP (a cp -a taken earlier) as
#                            a file-system or VM snapshot does: every file's
#                            content back in place, lock files included,
#                            session files with their identity; files made
#                            since are gone

# FS_IOC_GETVERSION, as the library reads it (0 where there is none).
_restore_py='
import fcntl, os, re, struct, sys

def identity(path):
    st = os.stat(path)
    gen = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        gen = struct.unpack("l", fcntl.ioctl(fd, 0x80087601, b"\0" * 8))[0] & 0xffffffff
    except OSError:
        gen = 0
    finally:
        os.close(fd)
    return "%d:%d:%d" % (st.st_dev, st.st_ino, gen)

def put(path, data):
    with open(path, "r+b") as f:
        f.write(data)
        f.truncate()

def rehome(path, data=None):
    if data is None:
        with open(path, "rb") as f:
            data = f.read()
    new = re.sub(rb"\nwritten-as: [0-9:]+\n$",
                 ("\nwritten-as: %s\n" % identity(path)).encode(), data)
    if new == data and not data.endswith(b"\n"):
        sys.exit("no written-as line in %s" % path)
    put(path, new)

def rollback(snap, home):
    kept = set()
    for root, dirs, files in os.walk(snap):
        for d in dirs:
            rel = os.path.relpath(os.path.join(root, d), snap)
            kept.add(rel)
            os.makedirs(os.path.join(home, rel), exist_ok=True)
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), snap)
            kept.add(rel)
            src, dst = os.path.join(root, name), os.path.join(home, rel)
            with open(src, "rb") as f:
                data = f.read()
            if not os.path.exists(dst):
                fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             os.stat(src).st_mode & 0o777)
                os.close(fd)
            if name.endswith(".session"):
                rehome(dst, data)
            else:
                put(dst, data)
    for root, dirs, files in os.walk(home, topdown=False):
        for name in files + dirs:
            path = os.path.join(root, name)
            if os.path.relpath(path, home) not in kept:
                (os.rmdir if os.path.isdir(path) and not os.path.islink(path)
                 else os.remove)(path)

if sys.argv[1] == "rehome":
    for p in sys.argv[2:]:
        rehome(p)
else:
    rollback(sys.argv[2], sys.argv[3])
'

session_rehome() {
	python3 -c "$_restore_py" rehome "$@"
}

home_copy() {
	rm -rf "$2"
	cp -a "$1" "$2"
	find "$2" -name '*.session' -type f -exec python3 -c "$_restore_py" rehome {} +
}

tree_rollback() {
	python3 -c "$_restore_py" rollback "$1" "$2"
}
