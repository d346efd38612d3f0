/*
 * runner.c - a tiny test runner over the registry in test_list.h.
 *
 *   coronet_tests            run every case, each in a forked child
 *   coronet_tests NAME...    run the named cases, each in a forked child
 *   coronet_tests --list     print the case names
 *
 * A child that exits 0 passed; a failed CHECK exits 1; a crash or the per-case
 * alarm (30 s) kills it. The last line is "N passed, N failed".
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"

typedef struct {
    const char *name;
    void (*fn)(void);
} cn_test_case;

static const cn_test_case cn_tests[] = {
#define CN_TEST(name) {#name, test_##name},
#include "test_list.h"
#undef CN_TEST
};

#define CN_TEST_COUNT (int)(sizeof cn_tests / sizeof cn_tests[0])
#define CN_TEST_ALARM_SECONDS 30

static int run_case(const cn_test_case *t) {
    printf("%s (%s)\n", t->name, cn_backend_name());
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 0;
    }
    if (pid == 0) {
        alarm(CN_TEST_ALARM_SECONDS);
        t->fn();
        fflush(NULL);
        _exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 1;
    if (WIFSIGNALED(status))
        printf("  FAILED: killed by signal %d (%s)\n", WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? "timed out" : strsignal(WTERMSIG(status)));
    return 0;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (int i = 0; i < CN_TEST_COUNT; i++)
            printf("%s\n", cn_tests[i].name);
        return 0;
    }
    int passed = 0, failed = 0;
    for (int i = 0; i < CN_TEST_COUNT; i++) {
        int selected = argc < 2;
        for (int a = 1; a < argc && !selected; a++)
            selected = strcmp(argv[a], cn_tests[i].name) == 0;
        if (!selected)
            continue;
        if (run_case(&cn_tests[i]))
            passed++;
        else
            failed++;
    }
    if (passed + failed == 0) {
        fprintf(stderr, "no such test\n");
        return 2;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
