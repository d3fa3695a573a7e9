#!/usr/bin/env python3
"""Makes the fixture that proves WhisperFeatures and SmartTurn against pipecat's own Python code.

Reference: pipecat-ai 1.14.0 (the wheel the bundled model comes from, see fetch-models.sh):
  - features: pipecat/audio/turn/smart_turn/_whisper_features.py
    compute_whisper_log_mel_features(audio, do_normalize=True), pipecat's numpy copy of
    transformers' WhisperFeatureExtractor(chunk_length=8);
  - probability: LocalSmartTurnAnalyzerV3._predict_endpoint(audio) from
    pipecat/audio/turn/smart_turn/local_smart_turn_v3.py, i.e. the whole path pipecat runs
    (keep the last 8 s, zero-pad at the front, features, onnxruntime session with pipecat's
    options, bundled smart-turn-v3.2-cpu.onnx).
The wheel is imported as it is, from a temporary directory. Three modules its package
__init__/logging import but this path never calls (loguru, soxr: only for rates other than
16 kHz, wait_for2) are replaced by empty stand-ins so no other dependency is needed.

The probability depends on the ONNX Runtime release (the model is int8-quantised; 1.32.0 gives
up to 0.01 more or less than 1.23.2 on these cases), so the script insists on the release the
Java module uses (ORT_VERSION below, = onnxruntime.version in the parent pom): Java and Python
then agree to within float rounding.

Needs: python3 with numpy, pydantic and onnxruntime==1.23.2, e.g.
  python3 -m venv --system-site-packages /tmp/ort && /tmp/ort/bin/pip install numpy pydantic \
      onnxruntime==1.23.2
Run once from anywhere with that python (after make-hesitations.sh); it writes
  turn-detection/src/test/resources/dev/audiopipeline/turn/smart-turn-fixture.bin.gz
  turn-detection/src/test/resources/dev/audiopipeline/turn/hesitations/reference.tsv
The second holds pipecat's probability at every decision point the tests look at, 200 ms after
the speech ends (pipecat's recommended VAD stop_secs with Smart Turn): each mid-sentence pause
and sentence end of the hesitation set, and each turn end of the bundled interview (where its
last 10 ms frame above -40 dBFS ends), with the window pipecat would give the model: the turn
from 500 ms before it starts (PRE_SPEECH_MS), at most the last 8 s.

  turn-detection/scripts/make-mel-fixture.py [--wheel pipecat_ai-1.14.0-py3-none-any.whl]

Without --wheel it downloads the wheel with pip (no dependencies).

File format (gzip of little-endian binary; read by SmartTurnFixture in the tests):
  b"APMEL1", int32 case count, then per case:
  int32 name length, UTF-8 name, int32 sample count n, int16 samples[n] (the input; as pipecat
  does, the model sees sample / 32768), float32 reference probability,
  float32 features[80 * 800] ([mel][frame], row-major).
"""
import argparse
import asyncio
import gzip
import pathlib
import struct
import subprocess
import sys
import tempfile
import types
import wave
import zipfile

import numpy as np

PIPECAT_VERSION = "1.14.0"
ORT_VERSION = "1.23.2"
RATE = 16000
HERE = pathlib.Path(__file__).resolve().parent.parent  # turn-detection/
INTERVIEW = HERE.parent / "examples/src/main/resources/interview"
OUT = HERE / "src/test/resources/dev/audiopipeline/turn/smart-turn-fixture.bin.gz"
HESITATIONS = HERE / "src/test/resources/dev/audiopipeline/turn/hesitations"
AFTER_MS = 200


def load_pipecat(wheel: pathlib.Path, into: pathlib.Path):
    with zipfile.ZipFile(wheel) as z:
        z.extractall(into)
    sys.path.insert(0, str(into))

    class _Silent:
        def __getattr__(self, name):
            return lambda *a, **k: None

    loguru = types.ModuleType("loguru")
    loguru.logger = _Silent()
    wait_for2 = types.ModuleType("wait_for2")
    wait_for2.wait_for = asyncio.wait_for
    for name, module in {
        "loguru": loguru,
        "soxr": types.ModuleType("soxr"),
        "wait_for2": wait_for2,
    }.items():
        sys.modules.setdefault(name, module)
    from pipecat.audio.turn.smart_turn import _whisper_features, local_smart_turn_v3

    return _whisper_features, local_smart_turn_v3


def read_wav(path: pathlib.Path) -> np.ndarray:
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def ms(t: float) -> int:
    return int(round(t * RATE / 1000))


def cases() -> list[tuple[str, np.ndarray]]:
    candidate = read_wav(INTERVIEW / "candidate.wav")
    recruiter = read_wav(INTERVIEW / "recruiter.wav")
    t = np.arange(ms(2000)) / RATE
    tone = np.round(0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype("<i2")
    return [
        # 8 s exactly, ending 300 ms after the candidate's first turn (script.tsv: ends 18060 ms)
        ("interview-candidate-turn-end-8s", candidate[ms(18360 - 8000) : ms(18360)]),
        # 4.2 s, the recruiter's second question (18760-22155 ms) with 500 ms before and 300 ms
        # after: the model pads it at the front
        ("interview-recruiter-question-4.2s", recruiter[ms(18260) : ms(22455)]),
        # a 440 Hz tone at 0.3 of full scale, 2 s
        ("tone-440hz-2s", tone),
    ]


def speech_end_ms(pcm: np.ndarray, start_ms: int, end_ms: int) -> int:
    """End of the last 10 ms frame above -40 dBFS in [start_ms, end_ms)."""
    frames = pcm[ms(start_ms) : ms(end_ms)].astype(np.float64) / 32768.0
    frames = frames[: frames.size // 160 * 160].reshape(-1, 160)
    loud = np.nonzero(np.sqrt((frames**2).mean(axis=1)) > 10 ** (-40 / 20))[0]
    return start_ms + (int(loud[-1]) + 1) * 10


def decision_points() -> list[tuple[str, str, str, int, int, str]]:
    """(set, file, kind, fromMs, atMs, text) for every point the hesitation test checks."""
    points = []
    with open(HESITATIONS / "hesitations.tsv") as f:
        next(f)
        for line in f:
            file, _voice, kind, end, _silence, spoken = line.rstrip("\n").split("\t")
            at = int(end) + AFTER_MS
            points.append(("hesitation", file, kind, max(0, at - 8000), at, spoken))
    with open(INTERVIEW / "script.tsv") as f:
        next(f)
        for line in f:
            speaker, start, end, text = line.rstrip("\n").split("\t")
            pcm = read_wav(INTERVIEW / f"{speaker}.wav")
            at = speech_end_ms(pcm, int(start), int(end)) + AFTER_MS
            points.append(
                ("interview", f"{speaker}.wav", "end", max(int(start) - 500, at - 8000), at, text)
            )
    return points


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", type=pathlib.Path, help="pipecat-ai wheel (else pip download)")
    args = parser.parse_args()
    import onnxruntime

    if onnxruntime.__version__ != ORT_VERSION:
        sys.exit(f"onnxruntime {onnxruntime.__version__} found; the Java module runs {ORT_VERSION}, "
                 f"install that one (see the docstring)")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        wheel = args.wheel
        if wheel is None:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest",
                 str(tmp), f"pipecat-ai=={PIPECAT_VERSION}"],
                check=True,
            )
            wheel = next(tmp.glob("pipecat_ai-*.whl"))
        features_module, v3 = load_pipecat(wheel, tmp / "wheel")
        analyzer = v3.LocalSmartTurnAnalyzerV3()  # its bundled model, pipecat's session options
        out = bytearray(b"APMEL1")
        all_cases = cases()
        out += struct.pack("<i", len(all_cases))
        for name, pcm in all_cases:
            audio = pcm.astype(np.float32) / 32768.0  # as BaseSmartTurn converts int16 PCM
            padded = np.pad(audio, (RATE * 8 - audio.size, 0))  # _predict_endpoint's front padding
            features = features_module.compute_whisper_log_mel_features(padded, do_normalize=True)
            assert features.shape == (80, 800) and features.dtype == np.float32
            probability = analyzer._predict_endpoint(audio)["probability"]
            encoded = name.encode()
            out += struct.pack("<i", len(encoded)) + encoded
            out += struct.pack("<i", pcm.size) + pcm.astype("<i2").tobytes()
            out += struct.pack("<f", probability)
            out += features.astype("<f4").tobytes()
            print(f"{name}: {pcm.size} samples, probability {probability:.6f}, "
                  f"features {features.min():.4f}..{features.max():.4f}")
        lines = ["set\tfile\tkind\tfromMs\tatMs\tpipecat\ttext"]
        audio_of = {}
        for group, file, kind, start, at, text in decision_points():
            path = (HESITATIONS if group == "hesitation" else INTERVIEW) / file
            pcm = audio_of.setdefault(path, read_wav(path))
            audio = pcm[ms(start) : ms(at)].astype(np.float32) / 32768.0
            probability = analyzer._predict_endpoint(audio)["probability"]
            lines.append(f"{group}\t{file}\t{kind}\t{start}\t{at}\t{probability:.6f}\t{text}")
        (HESITATIONS / "reference.tsv").write_text("\n".join(lines) + "\n")
        print(f"wrote {HESITATIONS / 'reference.tsv'} ({len(lines) - 1} decision points)")
        OUT.parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(OUT, "wb", mtime=0) as f:
            f.write(out)
        print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
