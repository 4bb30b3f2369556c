#include <cblas.h>
// openblas_set_num_threads is OpenBLAS-specific (not part of CBLAS); declared here so Swift can
// pin BLAS threads and keep them from fighting the server for the cores.
void openblas_set_num_threads(int num_threads);
