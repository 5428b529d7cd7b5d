"""-o FILE like curl's -o (SPEC v2): a regular file or a new path is
replaced atomically with the umask's mode; "-" is stdout; a device, FIFO,
socket or symlink target is written through and never replaced. Everything
happens in a scratch directory: device nodes are private copies made with
mknod (never the real /dev)."""

import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import threading

from harness import (assert_exit, assert_usage_error, command, fail, lab_args, run,
                     validate_doc)

ARGS = ["-f", "json", "-c", "cname"]
TARGET = "cloud.test"          # cname only: healthy, exit 0


def _scratch():
    d = tempfile.mkdtemp(prefix="exprobe-out-")
    os.chmod(d, 0o755)
    return d


def _run_o(path, *extra, prefix=()):
    """exprobe -o PATH on the lab (PREFIX: a command put in front)."""
    args = lab_args(*ARGS, "-o", path, *extra, TARGET)
    if not prefix:
        return run(*args)
    p = subprocess.run(list(prefix) + command(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def _is_report(data, what):
    try:
        doc = json.loads(data.decode("utf-8"))
    except ValueError as e:
        fail("%s is not a JSON report (%s): %r" % (what, e, data[:200]))
    validate_doc(doc, what)


def _device_copy(d, name, of):
    """A private character device node like OF (/dev/null, /dev/full), or
    None when this process may not mknod (not root)."""
    path = os.path.join(d, name)
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.stat(of).st_rdev)
    except PermissionError:
        return None
    return path


def _only(d, names):
    left = sorted(os.listdir(d))
    if left != sorted(names):
        fail("the directory holds %s, expected %s (temporary file left behind?)"
             % (left, sorted(names)))


def test_output_new_file_mode_follows_umask():
    d = _scratch()
    try:
        for mask, want in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
            out = os.path.join(d, "r%03o.json" % mask)
            code, _, err = _run_o(out, prefix=("sh", "-c", 'umask %03o; exec "$@"' % mask, "sh"))
            if code != 0:
                fail("umask %03o: exit %s: %s" % (mask, code, err))
            got = stat.S_IMODE(os.stat(out).st_mode)
            if got != want:
                fail("umask %03o: the report has mode %03o, expected %03o" % (mask, got, want))
            with open(out, "rb") as fh:
                _is_report(fh.read(), out)
        _only(d, ["r022.json", "r077.json", "r002.json"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_dash_is_stdout():
    d = _scratch()
    try:
        r = run(*lab_args(*ARGS, "-o", "-", TARGET), cwd=d)
        assert_exit(r, 0)
        _is_report(r.out_bytes, "stdout of -o -")
        _only(d, [])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_symlink_target_written_through():
    d = _scratch()
    try:
        target = os.path.join(d, "real.json")
        link = os.path.join(d, "link.json")
        with open(target, "w") as fh:
            fh.write("old\n")
        os.chmod(target, 0o640)
        os.symlink("real.json", link)
        r = run(*lab_args(*ARGS, "-o", link, TARGET))
        assert_exit(r, 0)
        if not os.path.islink(link) or os.readlink(link) != "real.json":
            fail("-o on a symlink replaced the symlink")
        with open(target, "rb") as fh:
            _is_report(fh.read(), "the symlink's target")
        if stat.S_IMODE(os.stat(target).st_mode) != 0o640:
            fail("writing through a symlink changed its target's mode")
        _only(d, ["real.json", "link.json"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_dev_stdout_shape_writes_to_stdout():
    """-o /dev/stdout: a symlink to /proc/self/fd/1 with stdout a pipe. The
    report arrives on the pipe and the link stays (a private link, so a
    regression cannot replace the machine's /dev/stdout)."""
    d = _scratch()
    try:
        link = os.path.join(d, "stdout")
        os.symlink("/proc/self/fd/1", link)
        r = run(*lab_args(*ARGS, "-o", link, TARGET))
        assert_exit(r, 0)
        _is_report(r.out_bytes, "stdout through -o /proc/self/fd/1")
        if not os.path.islink(link) or os.readlink(link) != "/proc/self/fd/1":
            fail("-o on a /dev/stdout-like symlink replaced the symlink")
        _only(d, ["stdout"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_fifo_written_through():
    d = _scratch()
    try:
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        got = []

        def reader():
            with open(fifo, "rb") as fh:
                got.append(fh.read())

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        r = run(*lab_args(*ARGS, "-o", fifo, TARGET))
        t.join(30)
        assert_exit(r, 0)
        if not stat.S_ISFIFO(os.lstat(fifo).st_mode):
            fail("-o on a FIFO replaced it")
        if not got:
            fail("the FIFO's reader got nothing")
        _is_report(got[0], "what the FIFO's reader got")
        _only(d, ["fifo"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_socket_written_through():
    d = _scratch()
    try:
        path = os.path.join(d, "sock")
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(path)
        srv.listen(1)
        srv.settimeout(60)
        got = []

        def reader():
            try:
                c, _ = srv.accept()
            except OSError:
                return
            data = b""
            while True:
                b = c.recv(65536)
                if not b:
                    break
                data += b
            c.close()
            got.append(data)

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        r = run(*lab_args(*ARGS, "-o", path, TARGET))
        t.join(30)
        srv.close()
        assert_exit(r, 0)
        if not stat.S_ISSOCK(os.lstat(path).st_mode):
            fail("-o on a socket replaced it")
        if not got:
            fail("the socket's reader got nothing")
        _is_report(got[0], "what the socket's reader got")
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_device_node_not_replaced():
    """The "-o /dev/null" idiom, on a private copy of /dev/null."""
    d = _scratch()
    try:
        null = _device_copy(d, "null", "/dev/null")
        if null is None:
            return            # needs root (mknod): nothing to prove here
        rdev = os.stat(null).st_rdev
        r = run(*lab_args(*ARGS, "-o", null, TARGET))
        assert_exit(r, 0)
        if r.out_bytes or r.err_bytes:
            fail("-o NULLDEV printed something: %r %r" % (r.out[:200], r.err[:200]))
        st = os.lstat(null)
        if not stat.S_ISCHR(st.st_mode) or st.st_rdev != rdev:
            fail("-o on a device node replaced it (now mode %o)" % st.st_mode)
        _only(d, ["null"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_full_disk_is_an_error_and_the_node_stays():
    d = _scratch()
    try:
        full = _device_copy(d, "full", "/dev/full")
        if full is None:
            return
        r = run(*lab_args(*ARGS, "-o", full, TARGET))
        assert_usage_error(r, mention=full)
        if "space" not in r.err:
            fail("a full disk is not named: %r" % r.err)
        if not stat.S_ISCHR(os.lstat(full).st_mode):
            fail("-o on /dev/full's copy replaced it")
        _only(d, ["full"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_directory_is_an_error():
    d = _scratch()
    try:
        r = run(*lab_args(*ARGS, "-o", d, TARGET))
        assert_usage_error(r, mention=d)
        if "directory" not in r.err.lower():
            fail("-o DIR does not say it is a directory: %r" % r.err)
        _only(d, [])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_read_only_directory():
    """Unprivileged (nobody): a new file in a read-only directory is an error
    naming it; an existing writable file there is written in place."""
    d = _scratch()
    try:
        ro = os.path.join(d, "ro")
        os.mkdir(ro)
        old = os.path.join(ro, "old.json")
        with open(old, "w") as fh:
            fh.write("old\n")
        os.chmod(old, 0o666)
        os.chmod(ro, 0o555)
        if os.geteuid() != 0:
            return            # needs root to become nobody
        nobody = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
        new = os.path.join(ro, "new.json")
        code, out, err = _run_o(new, prefix=nobody)
        if code != 3 or out or new not in err or "ermission" not in err:
            fail("-o into a read-only directory: exit %s, stdout %r, stderr %r"
                 % (code, out[:100], err))
        code, out, err = _run_o(old, prefix=nobody)
        if code != 0:
            fail("-o on a writable file in a read-only directory: exit %s: %s" % (code, err))
        with open(old, "rb") as fh:
            _is_report(fh.read(), "the file written in place")
        _only(ro, ["old.json"])
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_output_regular_file_replaced_never_half_written():
    """A failed run leaves the old file as it was (a usage error after -o
    is parsed: the file is never opened)."""
    d = _scratch()
    try:
        out = os.path.join(d, "r.json")
        with open(out, "w") as fh:
            fh.write("old\n")
        r = run(*lab_args(*ARGS, "-o", out, "--timeout", "nan", TARGET))
        assert_exit(r, 3)
        with open(out) as fh:
            if fh.read() != "old\n":
                fail("a refused run changed the -o file")
        r = run(*lab_args(*ARGS, "-o", out, TARGET))
        assert_exit(r, 0)
        with open(out, "rb") as fh:
            _is_report(fh.read(), out)
        _only(d, ["r.json"])
    finally:
        shutil.rmtree(d, ignore_errors=True)
