// The arithmetic that cells.js runs on, in two versions with one interface:
//   charrnn.plainKernels    float64 JavaScript: the readable reference, and the fallback;
//   charrnn.wasmKernels()   float32 WebAssembly with 128-bit SIMD, built from
//                           charrnn/wasm/kernels.c (kernels_wasm.js holds the module), or null
//                           where the browser cannot run it.
// Both give:
//   arrays(sizes)                   an object of zeroed arrays, one per name, of those lengths
//   mm(C, A, B, n, m, k, add)       C (n x m) = A (n x k) B (k x m), or C += that when `add`
//   transpose(dst, src, rows, cols) dst (cols x rows) = the transpose of src (rows x cols)
//   tanh(x, start, n), sigmoid(x, start, n)   in place, on x[start] .. x[start + n - 1]
// Arrays are row-major (W[i * columns + j]) and every argument is one of them or a subarray.
globalThis.charrnn = globalThis.charrnn || {};

(() => {
"use strict";

charrnn.plainKernels = {
  name: "JavaScript, float64",

  arrays(sizes) {
    return Object.fromEntries(Object.entries(sizes).map(([name, size]) => [name, new Float64Array(size)]));
  },

  // Row i of C gathers rows of B, each weighted by an entry of row i of A: every inner loop
  // runs along contiguous memory.
  mm(C, A, B, n, m, k, add) {
    for (let i = 0; i < n; i++) {
      const c = i * m;
      if (!add) C.fill(0, c, c + m);
      for (let p = 0; p < k; p++) {
        const a = A[i * k + p], b = p * m;
        for (let j = 0; j < m; j++) C[c + j] += a * B[b + j];
      }
    }
  },

  transpose: charrnn.transpose, // model.js's

  tanh(x, start, n) {
    for (let i = start; i < start + n; i++) x[i] = Math.tanh(x[i]);
  },

  sigmoid(x, start, n) {
    for (let i = start; i < start + n; i++) x[i] = 1 / (1 + Math.exp(-x[i]));
  },
};

let compiled; // the module, compiled once per page or worker; undefined until asked, null if it cannot run

function compile() {
  if (compiled !== undefined) return compiled;
  compiled = null;
  if (typeof WebAssembly !== "object" || !charrnn.KERNELS_WASM) return compiled;
  const bytes = Uint8Array.from(atob(charrnn.KERNELS_WASM), (c) => c.charCodeAt(0));
  // A browser without SIMD finds the module invalid: it falls back to the plain kernels.
  if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  return compiled;
}

// A fresh instance of the module, with its own memory, or null where WebAssembly SIMD is missing.
charrnn.wasmKernels = function () {
  const module = compile();
  if (!module) return null;
  const { memory, mm, transpose, tanh_inplace, sigmoid_inplace, __heap_base } =
    new WebAssembly.Instance(module, {}).exports;
  let top = __heap_base.value;
  // Arrays are laid out one after another and never freed: a worker trains one run, on
  // one model with two workspaces. Growing the memory detaches every array made over it, so each
  // object that arrays() gave out is kept with its layout, and given new arrays over the grown
  // memory.
  const given = [];
  const view = (offset, size) => new Float32Array(memory.buffer, offset, size);
  const at = (x, start = 0) => x.byteOffset + 4 * start;
  return {
    name: "WebAssembly SIMD, float32",

    arrays(sizes) {
      const layout = {};
      for (const [name, size] of Object.entries(sizes)) {
        top = Math.ceil(top / 16) * 16; // aligned for 128-bit loads
        layout[name] = [top, size];
        top += 4 * size;
      }
      if (top > memory.buffer.byteLength) {
        memory.grow(Math.ceil((top - memory.buffer.byteLength) / 65536));
        for (const [object, its] of given) {
          for (const [name, [offset, size]] of Object.entries(its)) object[name] = view(offset, size);
        }
      }
      const object = {};
      for (const [name, [offset, size]] of Object.entries(layout)) object[name] = view(offset, size);
      given.push([object, layout]);
      return object;
    },
    mm: (C, A, B, n, m, k, add) => mm(at(C), at(A), at(B), n, m, k, add ? 1 : 0),
    transpose: (dst, src, rows, cols) => transpose(at(dst), at(src), rows, cols),
    tanh: (x, start, n) => tanh_inplace(at(x, start), n),
    sigmoid: (x, start, n) => sigmoid_inplace(at(x, start), n),
  };
};
})();
