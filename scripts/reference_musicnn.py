#!/usr/bin/env python3
"""Reference outputs of musicnn's original TensorFlow models, for genrespace's parity tests.

For real clips from ../shared/real-clips, runs musicnn 0.1.0's own front end (librosa.load at 16 kHz,
melspectrogram, 187-frame patches) and its own graph (musicnn.models.define_model with the
checkpoints of the wheel) and writes into crates/classifier/tests/fixtures/musicnn/:

- `CLIP.patches.npy`: the clip's first two input patches `(2, 187, 96)`, float32;
- `CLIP.MODEL.tags.npy` / `CLIP.MODEL.embedding.npy`: the network's tag probabilities and its
  embedding (musicnn: the penultimate layer; VGG: the flattened last pool) on those patches;
- `manifest.json`: per clip and model, the mean tag probabilities over *all* patches of the clip
  (the whole pipeline's answer), with musicnn's float16 cast and without it.

musicnn casts the mel power to float16 before `log10(10000 x + 1)`; `10000 x` then overflows to
infinity wherever x > 6.55. genrespace computes in float32, so the reference for the parity tests is
the original pipeline with that cast removed; the float16 answer is recorded for comparison.

Run:  scripts/reference_musicnn.py   (uses the venv that scripts/import_musicnn.py prepares)
"""
import json
import os
import pathlib
import subprocess
import sys

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = pathlib.Path(__file__).resolve().parent.parent
CLIPS = ["vibe_ace.ogg", "sugar_plum_fairy.ogg", "gtzan_country.00000.wav"]
MODELS = ["MSD_musicnn", "MSD_vgg", "MTT_musicnn", "MTT_vgg"]
OUT = ROOT / "crates/classifier/tests/fixtures/musicnn"
N_FRAMES = 187
FIXTURE_PATCHES = 2


def ensure_venv():
    try:
        import tensorflow  # noqa: F401
        import musicnn  # noqa: F401
    except ImportError:
        if os.environ.get("GENRESPACE_REF_REEXEC"):
            sys.exit("reference_musicnn: run scripts/import_musicnn.py first (it installs TensorFlow and musicnn)")
        py = subprocess.check_output([str(ROOT / "scripts/python_env.sh")], text=True).strip()
        os.environ["GENRESPACE_REF_REEXEC"] = "1"
        os.execv(py, [py, *sys.argv])


def patches(path, float16):
    """musicnn.extractor.batch_data, with or without its float16 cast."""
    import librosa
    import numpy as np
    audio, sr = librosa.load(str(path), sr=16000)
    rep = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
    if float16:
        with np.errstate(over="ignore"):
            rep = np.log10(10000 * rep.astype(np.float16) + 1)
    else:
        rep = np.log10(np.float32(10000) * rep.astype(np.float32) + np.float32(1))
    starts = range(0, rep.shape[0] - N_FRAMES + 1, N_FRAMES)
    return np.stack([rep[s:s + N_FRAMES] for s in starts]).astype(np.float32)


class Original:
    """One of musicnn's models as its extractor builds it, restored from the wheel's checkpoint."""

    def __init__(self, model):
        import tensorflow as tf
        from musicnn import configuration as config, models
        tf.compat.v1.disable_eager_execution()
        tf.compat.v1.reset_default_graph()
        labels = config.MSD_LABELS if "MSD" in model else config.MTT_LABELS
        with tf.name_scope("model"):
            self.x = tf.compat.v1.placeholder(tf.float32, [None, N_FRAMES, config.N_MELS])
            self.is_training = tf.compat.v1.placeholder(tf.bool)
            out = models.define_model(self.x, self.is_training, model, len(labels))
            embedding = tf.compat.v1.layers.flatten(out[5]) if "vgg" in model else out[8]
            self.outputs = [tf.nn.sigmoid(out[0]), embedding]
        self.sess = tf.compat.v1.Session()
        self.sess.run(tf.compat.v1.global_variables_initializer())
        import musicnn
        tf.compat.v1.train.Saver().restore(self.sess, os.path.dirname(musicnn.__file__) + "/" + model + "/")

    def run(self, batch):
        return self.sess.run(self.outputs, feed_dict={self.x: batch, self.is_training: False})


def main():
    ensure_venv()
    import numpy as np
    clips_dir = ROOT.parent / "shared/real-clips"
    if not clips_dir.is_dir():
        sys.exit(f"{clips_dir}: not found (the reference clips live in ../shared)")
    OUT.mkdir(parents=True, exist_ok=True)
    inputs = {}
    for clip in CLIPS:
        stem = clip.split(".")[0]
        inputs[stem] = {"float32": patches(clips_dir / clip, False), "float16": patches(clips_dir / clip, True)}
        np.save(OUT / f"{stem}.patches.npy", inputs[stem]["float32"][:FIXTURE_PATCHES])
    manifest = {"n_frames": N_FRAMES, "clips": {}}
    for model in MODELS:
        original = Original(model)
        name = model.lower().replace("_", "-")
        for clip in CLIPS:
            stem = clip.split(".")[0]
            x = inputs[stem]
            tags, embedding = original.run(x["float32"][:FIXTURE_PATCHES])
            np.save(OUT / f"{stem}.{name}.tags.npy", tags.astype(np.float32))
            np.save(OUT / f"{stem}.{name}.embedding.npy", embedding.astype(np.float32))
            all_tags, _ = original.run(x["float32"])
            f16_tags, _ = original.run(x["float16"])
            entry = manifest["clips"].setdefault(stem, {"file": clip, "n_patches": int(len(x["float32"])),
                                                        "float16_infinite_inputs": int(np.isinf(x["float16"]).sum()),
                                                        "models": {}})
            entry["models"][name] = {"mean_tags": all_tags.mean(0).tolist(),
                                     "mean_tags_float16_original": np.nan_to_num(f16_tags.mean(0), nan=-1.0).tolist()}
            print(f"{model} {clip}: {len(x['float32'])} patches, max |float16 - float32| mean tag "
                  f"{np.nanmax(np.abs(f16_tags.mean(0) - all_tags.mean(0))):.3f}")
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")


if __name__ == "__main__":
    main()
