/* OpenBLAS dgemm yardstick for runtime/simd: C = A·B, n×n×n, row-major,
 * one thread (run with OPENBLAS_NUM_THREADS=1). Prints the median GFLOP/s.
 * Build: gcc -O2 -o /tmp/openblas_dgemm scripts/openblas_dgemm.c -lopenblas */
#define _POSIX_C_SOURCE 199309L
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 256, reps = argc > 2 ? atoi(argv[2]) : 51;
    double *a = malloc(sizeof(double) * n * n), *b = malloc(sizeof(double) * n * n), *c = malloc(sizeof(double) * n * n);
    for (int i = 0; i < n * n; i++) { a[i] = (i % 7) * 0.1; b[i] = (i % 5) * 0.2; c[i] = 0; }
    double *t = malloc(sizeof(double) * reps);
    for (int r = 0; r < reps; r++) {
        double t0 = now();
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
        t[r] = now() - t0;
    }
    qsort(t, reps, sizeof(double), cmp);
    printf("{\"bench\": \"openblas_dgemm\", \"n\": %d, \"gflops_median\": %.2f, \"checksum\": %g}\n", n, 2.0 * n * n * n / t[reps / 2] * 1e-9, c[n + 1]);
    return 0;
}
