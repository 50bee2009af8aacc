// A fault seam for the tests: preloaded (LD_PRELOAD) into the real orderd
// binaries, it makes the Nth open, write, fsync or rename under a folder fail
// with EIO or ENOSPC, exactly as a failing or full disk would, and can stand
// in for a supplier that takes each file the moment it appears.
//
//   ORDERD_FAULT_ROOT=DIR     only calls on paths under DIR count (the test's
//                             folder; SQLite's files, the spool, the outbox)
//   ORDERD_FAULT=OP:N:ERRNO[:TEXT]
//                             the Nth OP fails (OP: open, write, fsync,
//                             rename; ERRNO: EIO or ENOSPC), once; with
//                             TEXT, the Nth OP on a path holding TEXT
//                             (ending in TEXT if TEXT ends in '$')
//   ORDERD_FAULT_COUNT=FILE   at exit, appends "OP COUNT" lines to FILE
//   ORDERD_FAULT_LOG=FILE     appends "OP N PATH ERRNO" when a fault is injected
//   ORDERD_FAULT_TAKE=DIR     a file renamed into DIR (or a folder below it)
//                             is moved at once to DIR/../taken/<seq>-<name>
//
// Built in the tests' build only; it never links into orderd.
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>

namespace {

enum Op { kOpen, kWrite, kFsync, kRename, kOps };
const char* const kOpNames[kOps] = {"open", "write", "fsync", "rename"};

struct Config {
  bool loaded = false;
  char root[4096] = {0};
  size_t root_len = 0;
  int fault_op = -1;
  long fault_nth = 0;
  int fault_errno = EIO;
  char fault_text[256] = {0};
  long fault_seen = 0;
  char count_file[4096] = {0};
  char log_file[4096] = {0};
  char take_dir[4096] = {0};
  size_t take_len = 0;
};

Config g;
std::atomic<long> g_counts[kOps];
std::atomic<long> g_taken{0};
thread_local int t_inside = 0;  // our own calls to libc are not counted

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(dlsym(RTLD_NEXT, name));
}

void copy(char* to, const char* from) {
  if (from) snprintf(to, 4096, "%s", from);
}

void load() {
  if (g.loaded) return;
  g.loaded = true;
  copy(g.root, getenv("ORDERD_FAULT_ROOT"));
  g.root_len = strlen(g.root);
  copy(g.count_file, getenv("ORDERD_FAULT_COUNT"));
  copy(g.log_file, getenv("ORDERD_FAULT_LOG"));
  copy(g.take_dir, getenv("ORDERD_FAULT_TAKE"));
  g.take_len = strlen(g.take_dir);
  if (const char* spec = getenv("ORDERD_FAULT")) {
    char op[16] = {0}, err[16] = {0};
    long nth = 0;
    if (sscanf(spec, "%15[a-z]:%ld:%15[A-Z]:%255s", op, &nth, err, g.fault_text) >= 3) {
      for (int i = 0; i < kOps; ++i)
        if (strcmp(op, kOpNames[i]) == 0) g.fault_op = i;
      g.fault_nth = nth;
      g.fault_errno = strcmp(err, "ENOSPC") == 0 ? ENOSPC : EIO;
    }
  }
}

bool under(const char* path, const char* dir, size_t len) {
  return len > 0 && path && strncmp(path, dir, len) == 0 && (path[len] == '/' || path[len] == 0);
}

bool fd_path(int fd, char* out, size_t size) {
  char link[64];
  snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  ++t_inside;
  static auto rl = real<ssize_t (*)(const char*, char*, size_t)>("readlink");
  const ssize_t n = rl(link, out, size - 1);
  --t_inside;
  if (n <= 0) return false;
  out[n] = 0;
  return true;
}

void append_line(const char* file, const char* text) {
  static auto o = real<int (*)(const char*, int, ...)>("open");
  static auto w = real<ssize_t (*)(int, const void*, size_t)>("write");
  ++t_inside;
  const int fd = o(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd >= 0) {
    (void)w(fd, text, strlen(text));
    close(fd);
  }
  --t_inside;
}

// Whether this call on `path` is to fail (and with which errno).
int should_fail(Op op, const char* path) {
  load();
  if (t_inside || !under(path, g.root, g.root_len)) return 0;
  const long n = ++g_counts[op];
  if (op != g.fault_op) return 0;
  if (g.fault_text[0]) {
    const size_t len = strlen(g.fault_text), plen = strlen(path);
    const bool anchored = g.fault_text[len - 1] == '$';
    const bool hit =
        anchored ? plen >= len - 1 && strncmp(path + plen - (len - 1), g.fault_text, len - 1) == 0
                 : strstr(path, g.fault_text) != nullptr;
    if (!hit || ++g.fault_seen != g.fault_nth) return 0;
  } else if (n != g.fault_nth) {
    return 0;
  }
  if (g.log_file[0]) {
    char line[4400];
    snprintf(line, sizeof line, "%s %ld %s %s\n", kOpNames[op], n, path,
             g.fault_errno == ENOSPC ? "ENOSPC" : "EIO");
    append_line(g.log_file, line);
  }
  return g.fault_errno;
}

int should_fail_fd(Op op, int fd) {
  load();
  if (t_inside || g.root_len == 0) return 0;
  char path[4096];
  if (!fd_path(fd, path, sizeof path)) return 0;
  return should_fail(op, path);
}

// `path` made absolute against the working folder (into `buf`).
const char* absolute(const char* path, char* buf, size_t size) {
  if (!path || path[0] == '/') return path;
  ++t_inside;
  const bool ok = getcwd(buf, size - 1) != nullptr;
  --t_inside;
  if (!ok) return path;
  strncat(buf, "/", size - strlen(buf) - 1);
  strncat(buf, path, size - strlen(buf) - 1);
  return buf;
}

// The simulated supplier: takes a file that was just renamed into its folder.
void maybe_take(const char* to) {
  if (!g.take_len || !under(to, g.take_dir, g.take_len)) return;
  const char* name = strrchr(to, '/');
  name = name ? name + 1 : to;
  if (name[0] == '.') return;
  char taken_dir[4200], dest[4400];
  snprintf(taken_dir, sizeof taken_dir, "%s/../taken", g.take_dir);
  ++t_inside;
  mkdir(taken_dir, 0755);
  snprintf(dest, sizeof dest, "%s/%06ld-%s", taken_dir, ++g_taken, name);
  static auto rn = real<int (*)(const char*, const char*)>("rename");
  (void)rn(to, dest);
  --t_inside;
}

struct AtExit {
  ~AtExit() {
    if (!g.loaded || !g.count_file[0]) return;
    char text[256];
    snprintf(text, sizeof text, "open %ld\nwrite %ld\nfsync %ld\nrename %ld\n", g_counts[0].load(),
             g_counts[1].load(), g_counts[2].load(), g_counts[3].load());
    append_line(g.count_file, text);
  }
} g_at_exit;

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  static auto f = real<int (*)(const char*, int, ...)>("open");
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  char abs[4096];
  if (int e = should_fail(kOpen, absolute(path, abs, sizeof abs))) {
    errno = e;
    return -1;
  }
  return f(path, flags, mode);
}
int open64(const char* path, int flags, ...) {
  mode_t mode = 0;
  if (flags & (O_CREAT | O_TMPFILE)) {
    va_list ap;
    va_start(ap, flags);
    mode = static_cast<mode_t>(va_arg(ap, int));
    va_end(ap);
  }
  return open(path, flags, mode);
}

ssize_t write(int fd, const void* buf, size_t n) {
  static auto f = real<ssize_t (*)(int, const void*, size_t)>("write");
  if (int e = should_fail_fd(kWrite, fd)) {
    errno = e;
    return -1;
  }
  return f(fd, buf, n);
}
ssize_t pwrite(int fd, const void* buf, size_t n, off_t at) {
  static auto f = real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite");
  if (int e = should_fail_fd(kWrite, fd)) {
    errno = e;
    return -1;
  }
  return f(fd, buf, n, at);
}
ssize_t pwrite64(int fd, const void* buf, size_t n, off_t at) {
  static auto f = real<ssize_t (*)(int, const void*, size_t, off_t)>("pwrite64");
  if (int e = should_fail_fd(kWrite, fd)) {
    errno = e;
    return -1;
  }
  return f(fd, buf, n, at);
}

int fsync(int fd) {
  static auto f = real<int (*)(int)>("fsync");
  if (int e = should_fail_fd(kFsync, fd)) {
    errno = e;
    return -1;
  }
  return f(fd);
}
int fdatasync(int fd) {
  static auto f = real<int (*)(int)>("fdatasync");
  if (int e = should_fail_fd(kFsync, fd)) {
    errno = e;
    return -1;
  }
  return f(fd);
}

int syncfs(int fd) {
  static auto f = real<int (*)(int)>("syncfs");
  if (int e = should_fail_fd(kFsync, fd)) {
    errno = e;
    return -1;
  }
  return f(fd);
}

int rename(const char* from, const char* to) {
  static auto f = real<int (*)(const char*, const char*)>("rename");
  char abs[4096];
  const char* dest = absolute(to, abs, sizeof abs);
  if (int e = should_fail(kRename, dest)) {
    errno = e;
    return -1;
  }
  const int rc = f(from, to);
  if (rc == 0) maybe_take(dest);
  return rc;
}
int renameat2(int olddir, const char* from, int newdir, const char* to, unsigned flags) {
  static auto f = real<int (*)(int, const char*, int, const char*, unsigned)>("renameat2");
  char abs[4096];
  const char* dest = newdir == AT_FDCWD ? absolute(to, abs, sizeof abs) : to;
  if (int e = should_fail(kRename, dest)) {
    errno = e;
    return -1;
  }
  const int rc = f(olddir, from, newdir, to, flags);
  if (rc == 0) maybe_take(dest);
  return rc;
}

}  // extern "C"
