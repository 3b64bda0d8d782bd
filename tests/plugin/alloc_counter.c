#include "alloc_counter.h"

#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <semaphore.h>
#include <stddef.h>
#include <stdlib.h>

static _Thread_local bool counting;
static long counted, locks_counted;

void alloc_counting(bool on)
{
    counting = on;
}

long alloc_count(void)
{
    return counted;
}

long lock_count(void)
{
    return locks_counted;
}

#define EXPORT __attribute__((visibility("default")))

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizer owns malloc; it calls these hooks on every allocation. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static void on_malloc(const volatile void *p, size_t n)
{
    (void)p;
    (void)n;
    if (counting) counted++;
}

static void on_free(const volatile void *p)
{
    if (counting && p) counted++;
}

__attribute__((constructor)) static void install_hooks(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}
#else
/* glibc's real allocator, under the names it exports for exactly this. */
void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t n);
void *__libc_memalign(size_t align, size_t n);
void __libc_free(void *p);

EXPORT void *malloc(size_t n)
{
    if (counting) counted++;
    return __libc_malloc(n);
}

EXPORT void *calloc(size_t n, size_t size)
{
    if (counting) counted++;
    return __libc_calloc(n, size);
}

EXPORT void *realloc(void *p, size_t n)
{
    if (counting) counted++;
    return __libc_realloc(p, n);
}

EXPORT void free(void *p)
{
    if (counting && p) counted++;
    __libc_free(p);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
    if (counting) counted++;
    return __libc_memalign(align, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
    if (counting) counted++;
    return __libc_memalign(align, n);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
    if (counting) counted++;
    void *p = __libc_memalign(align, n);
    if (!p) return ENOMEM;
    *out = p;
    return 0;
}
#endif

#if !defined(__SANITIZE_THREAD__)
/* The lock functions, counted, then passed on to the next definition (libc's,
 * or a sanitizer's interceptor), looked up before main() (dlsym may allocate:
 * not while counting), or at the first call when a library's constructor
 * locks before that. One macro per signature. */
#define LOOK_UP(name) next_##name = (__typeof__(next_##name))dlsym(RTLD_NEXT, #name)
#define COUNTED_LOCK1(name, T)                                                  \
    static int (*next_##name)(T *);                                             \
    EXPORT int name(T *a)                                                       \
    {                                                                           \
        if (!next_##name) LOOK_UP(name);                                        \
        if (counting) locks_counted++;                                          \
        return next_##name(a);                                                  \
    }
COUNTED_LOCK1(pthread_mutex_lock, pthread_mutex_t)
COUNTED_LOCK1(pthread_mutex_trylock, pthread_mutex_t)
COUNTED_LOCK1(pthread_rwlock_rdlock, pthread_rwlock_t)
COUNTED_LOCK1(pthread_rwlock_wrlock, pthread_rwlock_t)
COUNTED_LOCK1(pthread_spin_lock, pthread_spinlock_t)
COUNTED_LOCK1(sem_wait, sem_t)

static int (*next_pthread_cond_wait)(pthread_cond_t *, pthread_mutex_t *);
EXPORT int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    if (!next_pthread_cond_wait) LOOK_UP(pthread_cond_wait);
    if (counting) locks_counted++;
    return next_pthread_cond_wait(c, m);
}

__attribute__((constructor)) static void look_up_lock_functions(void)
{
    LOOK_UP(pthread_mutex_lock);
    LOOK_UP(pthread_mutex_trylock);
    LOOK_UP(pthread_rwlock_rdlock);
    LOOK_UP(pthread_rwlock_wrlock);
    LOOK_UP(pthread_spin_lock);
    LOOK_UP(sem_wait);
    LOOK_UP(pthread_cond_wait);
}
#endif
