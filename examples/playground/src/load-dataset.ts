// Loading a data set in the browser: the toy sets are drawn from a seeded generator, iris and the
// digits are fetched from the files the repository ships (the digits gunzipped by the browser).
import { type Dataset, type DatasetName, digitsFromCsv, moons, parseIris, spirals } from "./recipes/datasets.js";

const IRIS_URL = new URL("../../data/iris.csv", import.meta.url);
const DIGITS_URL = new URL("../../data/digits.csv.gz", import.meta.url);

async function fetchText(url: URL, gzipped: boolean): Promise<string> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`cannot load ${url.pathname}: HTTP ${response.status}`);
  const body = gzipped ? response.body.pipeThrough(new DecompressionStream("gzip")) : response.body;
  return new Response(body).text();
}

/** The named data set (seeded for the toy sets). */
export async function loadDataset(name: DatasetName, seed: number): Promise<Dataset> {
  switch (name) {
    case "moons":
      return moons(400, seed);
    case "spirals":
      return spirals(450, seed);
    case "iris":
      return parseIris(await fetchText(IRIS_URL, false));
    case "digits":
      return digitsFromCsv(await fetchText(DIGITS_URL, true));
  }
}
