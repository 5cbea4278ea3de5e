"""Scores NAB results files with NAB's own code (nab.runner.Runner: optimize, score, normalize).

Our driver, not part of NAB: it imports NAB from its checkout (--nab) and never writes into it. The published
detectors' results are copied next to ours, so that NAB's score step (which rewrites the per-file results it
scores) leaves the checkout untouched.

  1. the whole corpus: NAB's threshold optimisation for our detector (one threshold per profile for all files,
     written to a copy of config/thresholds.json), then score and normalize every compared detector with its
     corpus threshold — the published detectors with theirs from NAB's config/thresholds.json;
  2. one category apart (realTweets): the same corpus thresholds, scored and normalized over that category's files
     only (NAB's normalisation with the null detector's score and the perfect score of those files).

Prints one JSON object on its last line of output.
"""
import argparse
import json
import os
import shutil
import sys

PROFILES = ("standard", "reward_low_FP_rate", "reward_low_FN_rate")


def parse_args():
  parser = argparse.ArgumentParser()
  parser.add_argument("--nab", required=True, help="NAB checkout (data/, labels/, config/, results/, nab/)")
  parser.add_argument("--work", required=True, help="directory holding results/<detector>/…; scoring files go here")
  parser.add_argument("--detector", required=True, help="our detector's name (no underscore)")
  parser.add_argument("--compare", default="numenta,randomCutForest,windowedGaussian")
  parser.add_argument("--category", default="realTweets")
  return parser.parse_args()


def copy_published(nab, results, names):
  for name in names:
    target = os.path.join(results, name)
    if os.path.isdir(target):
      shutil.rmtree(target)
    shutil.copytree(os.path.join(nab, "results", name), target,
                    ignore=shutil.ignore_patterns("*_scores.csv"))


def totals(results, detector):
  out = {}
  for profile in PROFILES:
    path = os.path.join(results, detector, "%s_%s_scores.csv" % (detector, profile))
    with open(path) as f:
      header = f.readline().strip().split(",")
      rows = [line.strip().split(",") for line in f if line.strip()]
    last = dict(zip(header, rows[-1]))
    out[profile] = {k: float(last[k]) for k in ("Score", "TP", "FP", "FN")}
  return out


def by_category(results, detectors, labels_path):
  """Standard-profile score per category: NAB's normalisation (null 0, perfect 100) over each category's files,
  from the per-file rows of the corpus scoring (the realTweets run above checks it)."""
  with open(labels_path) as f:
    windows = {k: len(v) for k, v in json.load(f).items()}
  def per_file(detector):
    path = os.path.join(results, detector, "%s_standard_scores.csv" % detector)
    with open(path) as f:
      header = f.readline().strip().split(",")
      rows = [dict(zip(header, line.strip().split(","))) for line in f if line.strip()]
    return {r["File"]: float(r["Score"]) for r in rows if r["File"] in windows}
  null = per_file("null")
  out = {}
  for detector in detectors:
    if detector == "null":
      continue
    scores = per_file(detector)
    out[detector] = {}
    for category in sorted({k.split("/")[0] for k in windows}):
      files = [k for k in windows if k.startswith(category + "/")]
      perfect = sum(windows[k] for k in files)
      base = sum(null[k] for k in files)
      if perfect - base == 0:
        continue
      out[detector][category] = 100 * (sum(scores[k] for k in files) - base) / (perfect - base)
  return out


def run(nab, data_dir, labels, results, thresholds_path, detectors, thresholds):
  from nab.runner import Runner
  runner = Runner(dataDir=data_dir, labelPath=labels, resultsDir=results,
                  profilesPath=os.path.join(nab, "config", "profiles.json"),
                  thresholdPath=thresholds_path, numCPUs=1)
  runner.initialize()
  runner.score(detectors, thresholds)
  runner.normalize()
  with open(os.path.join(results, "final_results.json")) as f:
    final = json.load(f)
  return {d: {"normalized": final[d], "raw": totals(results, d)} for d in detectors if d != "null"}


def main():
  args = parse_args()
  nab = os.path.abspath(args.nab)
  work = os.path.abspath(args.work)
  sys.path.insert(0, nab)
  from nab.runner import Runner

  compared = [d for d in args.compare.split(",") if d]
  detectors = ["null"] + compared + [args.detector]
  results = os.path.join(work, "results")
  copy_published(nab, results, ["null"] + compared)
  for stale in ("final_results.json",):
    if os.path.exists(os.path.join(results, stale)):
      os.remove(os.path.join(results, stale))

  # the category's copy is taken before any scoring rewrites the results files
  labels = os.path.join(nab, "labels", "combined_windows.json")
  subset = os.path.join(work, args.category)
  if os.path.isdir(subset):
    shutil.rmtree(subset)
  # a copy, not a link: NAB's Corpus does not follow symbolic links
  shutil.copytree(os.path.join(nab, "data", args.category), os.path.join(subset, "data", args.category))
  with open(labels) as f:
    all_labels = json.load(f)
  subset_labels = os.path.join(subset, "labels.json")
  with open(subset_labels, "w") as f:
    json.dump({k: v for k, v in all_labels.items() if k.startswith(args.category + "/")}, f)
  for d in detectors:
    shutil.copytree(os.path.join(results, d, args.category), os.path.join(subset, "results", d, args.category))

  # 1. whole corpus: optimise our threshold with NAB's optimiser, then score everything
  thresholds_path = os.path.join(work, "thresholds.json")
  shutil.copyfile(os.path.join(nab, "config", "thresholds.json"), thresholds_path)
  optimiser = Runner(dataDir=os.path.join(nab, "data"), labelPath=labels, resultsDir=results,
                     profilesPath=os.path.join(nab, "config", "profiles.json"),
                     thresholdPath=thresholds_path, numCPUs=1)
  optimiser.initialize()
  optimiser.optimize([args.detector])
  with open(thresholds_path) as f:
    thresholds = json.load(f)
  corpus = run(nab, os.path.join(nab, "data"), labels, results, thresholds_path, detectors, thresholds)

  # 2. the category apart, with the corpus thresholds
  category = run(nab, os.path.join(subset, "data"), subset_labels, os.path.join(subset, "results"),
                 thresholds_path, detectors, thresholds)

  print(json.dumps({"thresholds": {d: thresholds[d] for d in detectors if d != "null"},
                    "corpus": corpus, args.category: category,
                    "by_category": by_category(results, detectors, labels)}))


if __name__ == "__main__":
  main()
