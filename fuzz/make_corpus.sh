#!/bin/sh
# Generate the seed corpus of the fuzz targets in fuzz/corpus/<target>/
# (gitignored: seeds are made, never committed). Needs python3 (standard
# library only) and cargo. Usage: fuzz/make_corpus.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"
mkdir -p "$corpus/idx" "$corpus/share_link" "$corpus/experiment_file"

# idx: tiny valid image and label files, raw and gzip'd, and near-misses.
python3 - "$corpus/idx" "$root/assets/data/mnist" <<'PY'
import gzip, os, struct, sys
out, mnist = sys.argv[1], sys.argv[2]
def save(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
images = struct.pack(">IIII", 0x803, 2, 28, 28) + bytes(i % 256 for i in range(2 * 784))
labels = struct.pack(">II", 0x801, 5) + bytes([7, 2, 1, 0, 4])
save("images.raw", images)
save("images.gz", gzip.compress(images, mtime=0))
save("labels.raw", labels)
save("labels.gz", gzip.compress(labels, mtime=0))
save("images-empty.gz", gzip.compress(struct.pack(">IIII", 0x803, 0, 28, 28), mtime=0))
save("images-wrong-size.gz", gzip.compress(struct.pack(">IIII", 0x803, 1, 32, 32) + bytes(1024), mtime=0))
save("labels-truncated.gz", gzip.compress(labels[:-2], mtime=0))
# The real test labels, first 100 (header count patched to match).
real = gzip.decompress(open(os.path.join(mnist, "t10k-labels-idx1-ubyte.gz"), "rb").read())
save("labels-mnist-100.gz", gzip.compress(struct.pack(">II", 0x801, 100) + real[8:108], mtime=0))
PY

# share_link: the documented example, variants, and refusals.
n=0
for link in \
  'v=1&data=mnist&classes=0-9&per=all&arch=mlp&hidden=32,64&epochs=1&batch=64&lr=0.001&seed=42&k=auto,7&color=cluster&pair=3,8' \
  '#v=1&data=animals&classes=0,3-5,8&per=100&arch=cnn&hidden=128&epochs=5&batch=32&lr=1e-4&seed=18446744073709551615&k=2,auto,10&color=correct' \
  'v=1&seed=7' \
  'v=1&hidden=1,2,3,4&k=auto,auto,auto,auto&color=label&pair=0,9' \
  'v=1&lr=0.30000000000000004&color=prediction' \
  'v=2&data=mnist' \
  'v=1&seed=4%26v=2' \
  'v=1&seed=3&seed=3'
do
  n=$((n + 1))
  printf '%s' "$link" > "$corpus/share_link/link-$n"
done

# experiment_file: small valid files and payloads, written by the project's own writer.
SIGPATH_FUZZ_SEEDS="$corpus/experiment_file" \
  cargo test --manifest-path "$root/Cargo.toml" --test share write_fuzz_seeds -- --ignored --quiet

for target in idx share_link experiment_file; do
  echo "$target: $(ls "$corpus/$target" | wc -l) seeds"
done
