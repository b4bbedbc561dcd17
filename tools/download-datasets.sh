#!/usr/bin/env bash
# Downloads and unpacks the real datasets (see datasets/README.md) into DEST (default ~/fedactors-datasets):
#   DEST/flowers102/{jpg/,imagelabels.mat,setid.mat}       from the Oxford VGG site, checked against MD5s
#   DEST/intel-scene/{seg_train,seg_test,seg_pred}/...     from Kaggle
# Intel needs the Kaggle CLI (pip install kaggle) and an API token: ~/.kaggle/kaggle.json (mode 600) or
# KAGGLE_USERNAME and KAGGLE_KEY.
# Usage: tools/download-datasets.sh [DEST [flowers102] [intel-scene]]
set -euo pipefail

dest="${1:-$HOME/fedactors-datasets}"
if [ $# -gt 0 ]; then shift; fi
datasets=("$@")
if [ ${#datasets[@]} -eq 0 ]; then datasets=(flowers102 intel-scene); fi

flowers102() {
    local dir="$dest/flowers102" base="https://www.robots.ox.ac.uk/~vgg/data/flowers/102"
    mkdir -p "$dir" && cd "$dir"
    for file in 102flowers.tgz imagelabels.mat setid.mat; do
        if [ ! -s "$file" ]; then
            curl -fL --retry 3 -o "$file.part" "$base/$file"
            mv "$file.part" "$file"
        fi
    done
    md5sum -c - <<'SUMS' || { echo "flowers102: checksum mismatch in $dir: delete the FAILED files and run again" >&2; return 1; }
52808999861908f626f3c1f4e79d11fa  102flowers.tgz
e0620be6f572b9609742df49c70aed4d  imagelabels.mat
a5357ecc9cb78c4bef273ce3793fc85c  setid.mat
SUMS
    tar -xzf 102flowers.tgz   # jpg/image_00001.jpg ... jpg/image_08189.jpg
    echo "flowers102: $(find jpg -name '*.jpg' | wc -l) images in $dir"
}

intel_scene() {
    local dir="$dest/intel-scene"
    if ! command -v kaggle >/dev/null; then
        echo "intel-scene: needs the Kaggle CLI: pip install kaggle" >&2
        return 1
    fi
    if [ ! -f "$HOME/.kaggle/kaggle.json" ] && [ -z "${KAGGLE_USERNAME:-}" ]; then
        echo "intel-scene: needs a Kaggle API token in ~/.kaggle/kaggle.json, or KAGGLE_USERNAME and KAGGLE_KEY" >&2
        return 1
    fi
    mkdir -p "$dir"
    kaggle datasets download -d puneet6060/intel-image-classification -p "$dir" --unzip
    echo "intel-scene: unpacked into $dir"
}

for name in "${datasets[@]}"; do
    case "$name" in
        flowers102) (flowers102) ;;
        intel-scene) (intel_scene) ;;
        *) echo "unknown dataset '$name' (known: flowers102, intel-scene)" >&2; exit 2 ;;
    esac
done
