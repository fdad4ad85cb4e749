/*
 * Process measurements shared by load.c and soak.c: resident memory, open
 * file descriptors, CPU time, wall clock. Linux /proc only.
 */
#ifndef WEBRAFT_RELIABILITY_PROCSTAT_H
#define WEBRAFT_RELIABILITY_PROCSTAT_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A "Vm...:  <n> kB" line of /proc/self/status, in KiB; -1 if absent. */
static inline long status_kib(const char *field) {
    FILE *file = fopen("/proc/self/status", "r");
    if (!file) return -1;
    char line[256];
    size_t field_len = strlen(field);
    long value = -1;
    while (fgets(line, sizeof line, file)) {
        if (strncmp(line, field, field_len) == 0 && line[field_len] == ':') {
            value = strtol(line + field_len + 1, NULL, 10);
            break;
        }
    }
    fclose(file);
    return value;
}

struct fd_count {
    long total;
    long sockets;
};

/* Open descriptors of this process, not counting the one used to list them. */
static inline struct fd_count count_fds(void) {
    struct fd_count count = {0, 0};
    DIR *dir = opendir("/proc/self/fd");
    if (!dir) return (struct fd_count){-1, -1};
    int own = dirfd(dir);
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.') continue;
        int fd = atoi(entry->d_name);
        if (fd == own) continue;
        count.total++;
        char path[64], target[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n > 0) {
            target[n] = '\0';
            if (strncmp(target, "socket:", 7) == 0) count.sockets++;
        }
    }
    closedir(dir);
    return count;
}

/* User + system CPU seconds of this process. */
static inline double own_cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 +
           (double)usage.ru_stime.tv_sec + (double)usage.ru_stime.tv_usec / 1e6;
}

/* User + system CPU seconds of another process (the test server); -1 if unknown. */
static inline double pid_cpu_seconds(long pid) {
    if (pid <= 0) return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *file = fopen(path, "r");
    if (!file) return -1;
    char buffer[1024];
    size_t n = fread(buffer, 1, sizeof buffer - 1, file);
    fclose(file);
    buffer[n] = '\0';
    /* Fields after the ")" that closes the command name: state is field 3, utime 14, stime 15. */
    char *after_name = strrchr(buffer, ')');
    if (!after_name) return -1;
    unsigned long utime = 0, stime = 0;
    if (sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
        return -1;
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy and total jiffies of the whole machine (all cores), from /proc/stat. */
static inline int machine_jiffies(unsigned long long *busy, unsigned long long *total) {
    FILE *file = fopen("/proc/stat", "r");
    if (!file) return -1;
    unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
    int fields = fscanf(file, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system, &idle, &iowait,
                        &irq, &softirq, &steal);
    fclose(file);
    if (fields != 8) return -1;
    *busy = user + nice + system + irq + softirq + steal;
    *total = *busy + idle + iowait;
    return 0;
}

static inline long env_number(const char *name, long fallback) {
    const char *text = getenv(name);
    return text && *text ? strtol(text, NULL, 10) : fallback;
}

#endif
