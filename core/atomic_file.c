/* Temporary file, fsync, rename, fsync of the folder (atomic_file.h). */
#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"

int atomic_file_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
    static unsigned counter;
    /* The rename would put a regular file in the place of a device, FIFO or
     * folder: `-o /dev/null` run as root would replace /dev/null itself. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fail(err, errlen, "%s: not a regular file (a device, FIFO or folder): refusing to replace it",
             path);
        return -1;
    }
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = __atomic_fetch_add(&counter, 1u, __ATOMIC_RELAXED);
        if ((size_t)snprintf(tmp, tmplen, "%s.tmp.%ld.%u", path, (long)getpid(), n) >= tmplen) {
            fail(err, errlen, "%s: cannot create a temporary file beside it: %s", path,
                strerror(ENAMETOOLONG));
            return -1;
        }
        /* O_EXCL: never an existing file; the umask applies as for fopen */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) return fd;
        if (errno != EEXIST) break;
    }
    fail(err, errlen, "%s: cannot create a temporary file beside it: %s", path, strerror(errno));
    return -1;
}

int atomic_file_begin(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen)
{
    int fd = atomic_file_open(path, tmp, tmplen, err, errlen);
    if (fd < 0) return -1;
    close(fd);
    return 0;
}

void atomic_file_abort(const char *tmp)
{
    unlink(tmp);
}

/* fsync the folder holding path, so that the rename itself is durable. */
static int sync_parent(const char *path)
{
    size_t len = strlen(path);
    char *dir = malloc(len + 2);
    if (!dir) return -1;
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (!slash) strcpy(dir, ".");
    else slash[slash == dir ? 1 : 0] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0) return -1;
    /* some file systems cannot sync a folder; the data itself is synced */
    int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
    close(fd);
    return rc;
}

int atomic_file_commit(const char *tmp, const char *path, char *err, size_t errlen)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        fail(err, errlen, "%s: cannot write (syncing %s): %s", path, tmp, strerror(e));
        if (fd >= 0) close(fd);
        unlink(tmp);
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        int e = errno;
        fail(err, errlen, "%s: cannot write (renaming %s over it): %s", path, tmp, strerror(e));
        unlink(tmp);
        return -1;
    }
    if (sync_parent(path) != 0) {
        fail(err, errlen, "%s: written, but syncing its folder failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
