// A small seedable generator (mulberry32): a seed gives the same numbers in every browser and in
// Node, so a seeded sample or training run is the same everywhere.
globalThis.charrnn = globalThis.charrnn || {};

charrnn.seededRandom = function (seed) {
  let a = seed >>> 0;
  return function () {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};
