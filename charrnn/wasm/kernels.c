// The in-page trainer's fast arithmetic: float32 WebAssembly with 128-bit SIMD (four lanes).
// cells.js writes each cell's forward and backward pass once, over "kernels": the plain
// JavaScript ones in kernels.js (float64, the readable reference) or these. Only the work that
// dominates is here: matrix products, transposes and the tanh and sigmoid of whole arrays.
// Every array is float32, row-major, at a byte offset in the module's memory. No libc.
// Build: python scripts/build_wasm.py (README.md gives the compiler and its flags).
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

// C (n x m) = A (n x k) B (k x m), or C += that when `add` is 1. Each 4 x 8 tile of C stays in
// eight registers while p runs over k: broadcast A[i][p], multiply by 8 entries of row p of B,
// add. Columns left over run 4 at a time, then one at a time; rows left over, one at a time.
EXPORT(mm)
void mm(float *C, const float *A, const float *B, int n, int m, int k, int add) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    int j = 0;
    for (; j + 8 <= m; j += 8) {
      v128_t c[4][2];
      for (int r = 0; r < 4; r++)
        for (int h = 0; h < 2; h++)
          c[r][h] = add ? wasm_v128_load(C + (i + r) * m + j + 4 * h) : wasm_f32x4_splat(0.f);
      for (int p = 0; p < k; p++) {
        v128_t b0 = wasm_v128_load(B + p * m + j), b1 = wasm_v128_load(B + p * m + j + 4);
        for (int r = 0; r < 4; r++) {
          v128_t a = wasm_f32x4_splat(A[(i + r) * k + p]);
          c[r][0] = wasm_f32x4_add(c[r][0], wasm_f32x4_mul(a, b0));
          c[r][1] = wasm_f32x4_add(c[r][1], wasm_f32x4_mul(a, b1));
        }
      }
      for (int r = 0; r < 4; r++)
        for (int h = 0; h < 2; h++) wasm_v128_store(C + (i + r) * m + j + 4 * h, c[r][h]);
    }
    for (; j + 4 <= m; j += 4) {
      v128_t c[4];
      for (int r = 0; r < 4; r++) c[r] = add ? wasm_v128_load(C + (i + r) * m + j) : wasm_f32x4_splat(0.f);
      for (int p = 0; p < k; p++) {
        v128_t b = wasm_v128_load(B + p * m + j);
        for (int r = 0; r < 4; r++)
          c[r] = wasm_f32x4_add(c[r], wasm_f32x4_mul(wasm_f32x4_splat(A[(i + r) * k + p]), b));
      }
      for (int r = 0; r < 4; r++) wasm_v128_store(C + (i + r) * m + j, c[r]);
    }
    for (; j < m; j++)
      for (int r = 0; r < 4; r++) {
        float s = add ? C[(i + r) * m + j] : 0.f;
        for (int p = 0; p < k; p++) s += A[(i + r) * k + p] * B[p * m + j];
        C[(i + r) * m + j] = s;
      }
  }
  for (; i < n; i++)
    for (int j = 0; j < m; j++) {
      float s = add ? C[i * m + j] : 0.f;
      for (int p = 0; p < k; p++) s += A[i * k + p] * B[p * m + j];
      C[i * m + j] = s;
    }
}

// dst (cols x rows) = the transpose of src (rows x cols), in 8 x 8 blocks that stay in cache.
EXPORT(transpose)
void transpose(float *dst, const float *src, int rows, int cols) {
  for (int i0 = 0; i0 < rows; i0 += 8)
    for (int j0 = 0; j0 < cols; j0 += 8)
      for (int i = i0; i < i0 + 8 && i < rows; i++)
        for (int j = j0; j < j0 + 8 && j < cols; j++) dst[j * rows + i] = src[i * cols + j];
}

// e^x - 1 in each lane, accurate near 0 as well: x = n ln 2 + r with |r| <= ln 2 / 2, so
// e^x - 1 = 2^n (e^r - 1) + (2^n - 1), and e^r - 1 = r + r^2/2 + ... + r^8/8! (error < 2e-9).
// Inputs are clamped to [-87, 88], where 2^n is a normal float.
static v128_t expm1_(v128_t x) {
  x = wasm_f32x4_min(wasm_f32x4_max(x, wasm_f32x4_splat(-87.f)), wasm_f32x4_splat(88.f));
  v128_t n = wasm_f32x4_nearest(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)));
  // r = x - n ln 2, with ln 2 split in two so that n ln 2 is exact to float32's precision.
  v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f))),
                            wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  static const float c[] = {1.f / 40320, 1.f / 5040, 1.f / 720, 1.f / 120, 1.f / 24, 1.f / 6, 0.5f, 1.f};
  v128_t q = wasm_f32x4_splat(c[0]);
  for (int i = 1; i < 8; i++) q = wasm_f32x4_add(wasm_f32x4_mul(q, r), wasm_f32x4_splat(c[i]));
  q = wasm_f32x4_mul(q, r);  // e^r - 1
  v128_t s = (v128_t)wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
  return wasm_f32x4_add(wasm_f32x4_mul(s, q), wasm_f32x4_sub(s, wasm_f32x4_splat(1.f)));
}

// tanh |x| = e / (e + 2) with e = e^{2|x|} - 1, then x's sign; 1 for |x| >= 9 (float32's 1).
static v128_t tanh4(v128_t x) {
  v128_t sign = wasm_v128_and(x, wasm_f32x4_splat(-0.f));
  v128_t a = wasm_f32x4_min(wasm_f32x4_abs(x), wasm_f32x4_splat(9.f));
  v128_t e = expm1_(wasm_f32x4_add(a, a));
  return wasm_v128_or(wasm_f32x4_div(e, wasm_f32x4_add(e, wasm_f32x4_splat(2.f))), sign);
}

// sigmoid x = 1 / (1 + e^{-x}) = 1 / (2 + (e^{-x} - 1)).
static v128_t sigmoid4(v128_t x) {
  v128_t e = expm1_(wasm_f32x4_neg(x));
  return wasm_f32x4_div(wasm_f32x4_splat(1.f), wasm_f32x4_add(e, wasm_f32x4_splat(2.f)));
}

// x[i] = tanh(x[i]) or sigmoid(x[i]) for i < n, in place; the last n % 4 through a padded copy.
#define ELEMENTWISE(name, f)                                       \
  EXPORT(name)                                                     \
  void name(float *x, int n) {                                     \
    int i = 0;                                                     \
    for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, f(wasm_v128_load(x + i))); \
    if (i < n) {                                                   \
      float tail[4] = {0.f, 0.f, 0.f, 0.f};                        \
      for (int j = i; j < n; j++) tail[j - i] = x[j];              \
      wasm_v128_store(tail, f(wasm_v128_load(tail)));              \
      for (int j = i; j < n; j++) x[j] = tail[j - i];              \
    }                                                              \
  }
ELEMENTWISE(tanh_inplace, tanh4)
ELEMENTWISE(sigmoid_inplace, sigmoid4)
