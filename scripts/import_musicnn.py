#!/usr/bin/env python3
"""Convert musicnn's four pretrained TensorFlow taggers into genrespace model folders.

The `musicnn` wheel on PyPI (0.1.0, ISC licence, Music Technology Group, Universitat Pompeu Fabra)
carries the checkpoints MSD_musicnn, MSD_vgg, MTT_musicnn and MTT_vgg. This script

1. downloads that exact wheel with pip, checks its sha256 and installs it (without its
   dependencies) into the scripts venv, beside TensorFlow CPU (scripts/python_env.sh);
2. reads each checkpoint's variables and renames them to genrespace's burn module paths,
   transposing TensorFlow's layouts into burn's (conv kernels `[h, w, in, out]` -> `[out, in, h, w]`;
   the mid-end's full-width 2-D kernels `[7, C, 1, out]` -> 1-D `[out, C, 7]`; dense kernels are
   `[in, out]` in both);
3. writes them as SafeTensors with an import spec (labels, provenance, the ISC notice) and lets
   `genrespace import-weights` build the model folder: it loads every tensor into the burn module,
   refusing any missing, extra or mis-shaped one, and saves `model.bpk` + `model.json`;
4. copies the licence into each folder (`LICENSE.musicnn`).

Run once (the converted folders are committed; users never need Python or TensorFlow):
    scripts/import_musicnn.py [--out models] [--genrespace $CARGO_TARGET_DIR/release/genrespace]
The genrespace binary compiles models/msd-musicnn in, so a checkout whose models/ folder was
deleted builds again only after this script has run with a binary from before the deletion.
"""
import argparse
import hashlib
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
WHEEL = "musicnn==0.1.0"
WHEEL_SHA256 = "f38a4890c648c1ddbb141c5d96d2b0a8cfcd36746002d896989f7b88beb65cfa"
PY_PACKAGES = ["tensorflow-cpu>=2.16,<2.22", "tf_keras>=2.16,<2.22", "safetensors"]

# The published scores (the checkpoints' experiment.result files and musicnn's README).
DATASETS = {
    "MSD": "Million Song Dataset (last.fm tags): the 50 most used tags, genres, moods, decades and vocals",
    "MTT": "MagnaTagATune: the 50 most used tags (genres, instruments, moods, vocals)",
}


def ensure_venv():
    """Re-run this script inside the scripts venv with TensorFlow, unless already there."""
    try:
        import tensorflow  # noqa: F401
        import safetensors  # noqa: F401
        return
    except ImportError:
        pass
    if os.environ.get("GENRESPACE_IMPORT_REEXEC"):
        sys.exit("import_musicnn: TensorFlow is missing from the scripts venv even after installing it")
    py = subprocess.check_output([str(ROOT / "scripts/python_env.sh"), *PY_PACKAGES], text=True).strip()
    os.environ["GENRESPACE_IMPORT_REEXEC"] = "1"
    os.execv(py, [py, *sys.argv])


def install_pinned_wheel():
    """Download musicnn 0.1.0, check its sha256, install it without dependencies; return its folder."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, WHEEL], check=True)
        (wheel,) = pathlib.Path(tmp).glob("musicnn-*.whl")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != WHEEL_SHA256:
            sys.exit(f"{wheel.name}: sha256 {digest}, expected {WHEEL_SHA256}: refusing to convert it")
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(wheel)], check=True)
    import musicnn
    return pathlib.Path(musicnn.__file__).parent


def bn(tf_name, path):
    return [(f"{tf_name}/gamma", f"{path}.gamma", None), (f"{tf_name}/beta", f"{path}.beta", None),
            (f"{tf_name}/moving_mean", f"{path}.running_mean", None),
            (f"{tf_name}/moving_variance", f"{path}.running_var", None)]


def conv2d(tf_name, path):
    return [(f"{tf_name}/kernel", f"{path}.weight", "conv2d"), (f"{tf_name}/bias", f"{path}.bias", None)]


def conv1d(tf_name, path):
    return [(f"{tf_name}/kernel", f"{path}.weight", "conv1d"), (f"{tf_name}/bias", f"{path}.bias", None)]


def dense(tf_name, path):
    return [(f"{tf_name}/kernel", f"{path}.weight", None), (f"{tf_name}/bias", f"{path}.bias", None)]


def suffix(i):
    return "" if i == 0 else f"_{i}"


def musicnn_names():
    """TensorFlow variable -> burn module path, in musicnn/models.py's creation order."""
    names = bn("batch_normalization", "input_norm")
    for i in range(2):  # timbral 7x38, 7x67
        names += conv2d(f"conv2d{suffix(i)}", f"timbral.{i}.conv") + bn(f"batch_normalization_{i + 1}", f"timbral.{i}.norm")
    for i in range(3):  # temporal 128, 64, 32
        names += conv2d(f"conv2d_{i + 2}", f"temporal.{i}.conv") + bn(f"batch_normalization_{i + 3}", f"temporal.{i}.norm")
    for i in range(3):  # mid end
        names += conv1d(f"conv2d_{i + 5}", f"midend.{i}.conv") + bn(f"batch_normalization_{i + 6}", f"midend.{i}.norm")
    names += bn("batch_normalization_9", "pool_norm") + dense("dense", "penultimate")
    names += bn("batch_normalization_10", "penultimate_norm") + dense("dense_1", "head")
    return names


def vgg_names():
    names = bn("batch_normalization", "input_norm")
    for i in range(5):
        names += conv2d(f"{i + 1}CNN", f"blocks.{i}.conv") + bn(f"batch_normalization_{i + 1}", f"blocks.{i}.norm")
    return names + dense("dense", "head")


def to_burn(value, layout):
    import numpy as np
    if layout == "conv2d":  # [h, w, in, out] -> [out, in, h, w]
        value = value.transpose(3, 2, 0, 1)
    elif layout == "conv1d":  # [k, C, 1, out] -> [out, C, k]
        value = value[:, :, 0, :].transpose(2, 1, 0)
    return np.ascontiguousarray(value, dtype=np.float32)


def convert(checkpoint_dir, arch, out_file):
    """Write the checkpoint's weights under burn names; fail on any variable left unconverted."""
    import tensorflow as tf
    from safetensors.numpy import save_file
    reader = tf.compat.v1.train.NewCheckpointReader(str(checkpoint_dir) + "/")
    available = {k for k in reader.get_variable_to_shape_map() if "Adam" not in k and "power" not in k}
    names = musicnn_names() if arch == "musicnn" else vgg_names()
    tensors = {path: to_burn(reader.get_tensor(tf_name), layout) for tf_name, path, layout in names}
    left = available - {tf_name for tf_name, _, _ in names}
    if left:
        sys.exit(f"{checkpoint_dir}: variables not converted: {sorted(left)}")
    save_file(tensors, str(out_file))
    return sum(v.size for v in tensors.values())


def published_scores(checkpoint_dir):
    lines = (checkpoint_dir / "experiment.result").read_text().splitlines()
    values = [float(line.split(":")[1]) for line in lines if "AUC" in line]
    return {"roc_auc": values[0], "pr_auc": values[1], "source": "experiment.result in the musicnn 0.1.0 wheel"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "models"), help="folder that receives msd-musicnn, msd-vgg, mtt-musicnn, mtt-vgg")
    target = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    ap.add_argument("--genrespace", default=str(target / "release/genrespace"), help="the genrespace binary (any build with `import-weights`)")
    args = ap.parse_args()
    ensure_venv()
    package = install_pinned_wheel()
    from musicnn import configuration as config
    notice = (package.parent / "musicnn-0.1.0.dist-info/LICENSE.md").read_text()
    out_root = pathlib.Path(args.out)
    for tf_model in ["MSD_musicnn", "MSD_vgg", "MTT_musicnn", "MTT_vgg"]:
        dataset, arch = tf_model.split("_")
        name = f"{dataset.lower()}-{arch}"
        checkpoint_dir = package / tf_model
        with tempfile.TemporaryDirectory() as tmp:
            weights = pathlib.Path(tmp) / "weights.safetensors"
            n_params = convert(checkpoint_dir, arch, weights)
            spec = {
                "name": name,
                "arch": arch,
                "preset": "musicnn",
                "output": "sigmoid",
                "labels": config.MSD_LABELS if dataset == "MSD" else config.MTT_LABELS,
                "metrics": {"published": published_scores(checkpoint_dir)},
                "provenance": {
                    "source": f"musicnn 0.1.0 (PyPI), checkpoint {tf_model}; Jordi Pons and Xavier Serra, "
                              "Music Technology Group, Universitat Pompeu Fabra",
                    "trained_on": DATASETS[dataset],
                    "converted_by": f"scripts/import_musicnn.py from the wheel with sha256 {WHEEL_SHA256}",
                    "licence": "ISC",
                    "notice": notice.strip(),
                },
            }
            spec_file = pathlib.Path(tmp) / "spec.json"
            spec_file.write_text(json.dumps(spec, indent=2))
            target = out_root / name
            subprocess.run([args.genrespace, "import-weights", str(spec_file), str(weights), "--out", str(target)], check=True)
        (target / "LICENSE.musicnn").write_text(notice)
        print(f"{tf_model} -> {target} ({n_params:,} parameters)")


if __name__ == "__main__":
    main()
