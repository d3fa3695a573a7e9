#!/usr/bin/env python3
"""Writes the Silero VAD reference probabilities that SileroVadTest compares with.

Runs the bundled silero_vad.onnx with the Python ONNX Runtime the way the Silero project and
pipecat feed it at 16 kHz: 512-sample frames of s16 / 32768, each preceded by the previous frame's
last 64 samples (zeros before the first), the recurrent state [2, 1, 128] carried over, sr = 16000.

usage: python3 silero-reference.py IN.wav OUT.tsv     (needs numpy and onnxruntime)
"""
import sys
import wave

import numpy as np
import onnxruntime

MODEL = "src/main/resources/dev/audiopipeline/turn/models/silero_vad.onnx"


def main(wav_path, out_path):
    with wave.open(wav_path) as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            sys.exit("need 16 kHz mono 16-bit")
        audio = np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(MODEL, sess_options=options)
    state = np.zeros((2, 1, 128), np.float32)
    context = np.zeros((1, 64), np.float32)
    sr = np.array(16000, np.int64)
    with open(out_path, "w") as out:
        out.write(f"# onnxruntime {onnxruntime.__version__}, {wav_path}\n")
        for i, start in enumerate(range(0, len(audio) - 511, 512)):
            x = np.concatenate([context, audio[None, start : start + 512]], axis=1)
            prob, state = session.run(None, {"input": x, "state": state, "sr": sr})
            context = x[:, -64:]
            out.write(f"{i}\t{prob[0, 0]:.7f}\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
