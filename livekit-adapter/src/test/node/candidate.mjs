// A scripted candidate for the Java bot, on the real third-party client @livekit/rtc-node: it joins
// the room, hears the bot (subscribes to its audio track), and talks back on its own microphone
// track (10 ms frames, silence between clips, paced in real time by AudioSource.captureFrame). A
// second connection, the observer, subscribes to every audio track and records each 10 ms frame's
// arrival time and level, so a test can measure on one client's clock when the candidate's speech
// arrived and when the bot fell silent.
//
//   node candidate.mjs --url ws://192.0.2.10:7880 --room interview --bot interviewer-bot \
//        --after 1=/path/candidate.wav#6655-18060 --after 2=/path/candidate.wav#22855-32910 \
//        --during 3@1000=/path/candidate.wav#38365-47240 --during 1@1000=noise:300 \
//        [--identity candidate] [--quiet-gap 1200] [--max 300000]
//
// --after N=CLIP plays CLIP once the bot's N-th utterance has ended (N from 1; an utterance ends at
// --quiet-gap ms of silence in the bot's audio). --during N@MS=CLIP plays CLIP MS after the onset of
// the bot's N-th utterance. --answer CLIP (repeatable) plays the clips in order, one after each bot
// utterance of at least --min-utterance ms of sound (default 1000; a word the bot was cut off after
// does not count) that ends while the candidate is silent. CLIP is FILE.wav#FROM-TO (ms of a 16-bit PCM WAV) or noise:MS, a cough-
// like burst of noise. The process ends when the bot leaves the room, stdin closes, or --max passes.
// Credentials: LIVEKIT_API_KEY / LIVEKIT_API_SECRET (tokens minted here, never printed).
//
// Progress on stdout as JSON lines {"event":..., "epochMs":..., ...}: bot_onset/bot_end {n},
// clip_start/clip_end {kind,n,label}; at the end, with --levels FILE, the observer's record as JSON
// {tracks:[{identity, trackSid, epochMs:[...], dbfs:[...]}]} (one entry per received 10 ms frame).
import { writeFileSync } from 'node:fs';
import { emit, fail, join, readWav, sleep } from './common.mjs';
import {
  AudioFrame,
  AudioSource,
  AudioStream,
  LocalAudioTrack,
  Room,
  RoomEvent,
  TrackKind,
  TrackPublishOptions,
  TrackSource,
  dispose,
} from '@livekit/rtc-node';

const RATE = 48000;
const FRAME = RATE / 100;
const LOUD_DBFS = -45;

function parseArgs(argv) {
  const o = { identity: 'candidate', quietGap: 1200, max: 300000, after: new Map(), during: new Map(), answers: [], minUtterance: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) fail(`missing value after ${a}`);
      return argv[++i];
    };
    if (a === '--url') o.url = next();
    else if (a === '--room') o.room = next();
    else if (a === '--bot') o.bot = next();
    else if (a === '--identity') o.identity = next();
    else if (a === '--quiet-gap') o.quietGap = Number(next());
    else if (a === '--max') o.max = Number(next());
    else if (a === '--levels') o.levels = next();
    else if (a === '--answer') o.answers.push(next());
    else if (a === '--min-utterance') o.minUtterance = Number(next());
    else if (a === '--after') {
      const m = /^(\d+)=(.+)$/.exec(next());
      if (!m) fail('--after wants N=CLIP');
      o.after.set(Number(m[1]), m[2]);
    } else if (a === '--during') {
      const m = /^(\d+)@(\d+)=(.+)$/.exec(next());
      if (!m) fail('--during wants N@MS=CLIP');
      o.during.set(Number(m[1]), { at: Number(m[2]), clip: m[3] });
    } else fail(`unknown argument ${a}`);
  }
  o.url ??= process.env.LIVEKIT_URL;
  if (!o.url || !o.room || !o.bot) fail('--url (or LIVEKIT_URL), --room and --bot are required');
  return o;
}

/** A WAV file's samples as 48 kHz mono (linear interpolation; the test WAVs are speech). */
function readWav48k(path) {
  const wav = readWav(path);
  const ch = wav.channels;
  const n = Math.floor(wav.samples.length / ch);
  const mono = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < ch; c++) s += wav.samples[i * ch + c];
    mono[i] = s / ch;
  }
  const out = new Int16Array(Math.floor((n * RATE) / wav.sampleRate));
  for (let j = 0; j < out.length; j++) {
    const x = (j * wav.sampleRate) / RATE;
    const i = Math.floor(x);
    const f = x - i;
    out[j] = Math.round(mono[i] * (1 - f) + (i + 1 < n ? mono[i + 1] : 0) * f);
  }
  return out;
}

const wavs = new Map();

/** CLIP to 48 kHz samples: FILE.wav#FROM-TO, or noise:MS (a burst with a fast attack, slow decay). */
function clip(spec) {
  const noise = /^noise:(\d+)$/.exec(spec);
  if (noise) {
    const n = (Number(noise[1]) * RATE) / 1000;
    const out = new Int16Array(n);
    let seed = 12345;
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const env = Math.min(1, i / (0.01 * RATE)) * Math.exp((-3 * i) / n);
      out[i] = Math.round(((seed / 0x7fffffff) * 2 - 1) * 12000 * env);
    }
    return out;
  }
  const m = /^(.+)#(\d+)-(\d+)$/.exec(spec);
  if (!m) fail(`clip ${spec}: want FILE.wav#FROM-TO or noise:MS`);
  if (!wavs.has(m[1])) wavs.set(m[1], readWav48k(m[1]));
  const all = wavs.get(m[1]);
  return all.subarray(Math.round((Number(m[2]) * RATE) / 1000), Math.round((Number(m[3]) * RATE) / 1000));
}

function dbfs(samples) {
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const rms = Math.sqrt(sum / Math.max(1, samples.length)) / 32768;
  return rms > 0 ? Math.round(200 * Math.log10(rms)) / 10 : -120;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const queue = []; // clips waiting to be spoken: {samples, kind, n}
  let speaking = null;
  let stopped = false;
  let botLeft = false;

  // --- the observer: every audio track's frames, arrival time and level --------------------------
  const observer = new Room();
  const levels = new Map(); // trackSid -> {identity, epochMs:[], dbfs:[]}
  observer.on(RoomEvent.TrackSubscribed, (track, pub, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO) return;
    const rec = { identity: participant.identity, trackSid: pub.sid, epochMs: [], dbfs: [] };
    levels.set(pub.sid, rec);
    (async () => {
      for await (const f of new AudioStream(track, { sampleRate: RATE, numChannels: 1 })) {
        rec.epochMs.push(Date.now());
        rec.dbfs.push(dbfs(f.data));
        if (stopped) break;
      }
    })().catch((e) => emit('warning', { message: `observer stream: ${e}` }));
  });
  await join(observer, o.url, o.identity + '-observer', o.room, { canSubscribe: true }, { autoSubscribe: true });

  // --- the candidate: hears the bot, speaks clips -------------------------------------------------
  const room = new Room();
  room.on(RoomEvent.ParticipantDisconnected, (p) => {
    if (p.identity === o.bot) {
      botLeft = true;
      emit('bot_left', { identity: p.identity });
    }
  });
  let n = 0; // bot utterances so far
  room.on(RoomEvent.TrackSubscribed, (track, pub, participant) => {
    if (track.kind !== TrackKind.KIND_AUDIO || participant.identity !== o.bot) return;
    emit('bot_track', { trackSid: pub.sid });
    (async () => {
      let loud = false;
      let quietMs = 0;
      let loudMs = 0;
      let nextAnswer = 0;
      for await (const f of new AudioStream(track, { sampleRate: RATE, numChannels: 1 })) {
        if (stopped) break;
        const isLoud = dbfs(f.data) >= LOUD_DBFS;
        if (isLoud) {
          quietMs = 0;
          loudMs += 10;
          if (!loud) {
            loud = true;
            loudMs = 10;
            n++;
            emit('bot_onset', { n });
            const d = o.during.get(n);
            if (d) {
              const k = n;
              setTimeout(() => queue.push({ samples: clip(d.clip), kind: 'during', n: k, label: d.clip }), d.at);
            }
          }
        } else if (loud) {
          quietMs += 10;
          if (quietMs >= o.quietGap) {
            loud = false;
            emit('bot_end', { n, quietMs });
            const a = o.after.get(n);
            if (a) queue.push({ samples: clip(a), kind: 'after', n, label: a });
            if (nextAnswer < o.answers.length && loudMs >= o.minUtterance && !speaking && queue.length === 0) {
              const c = o.answers[nextAnswer++];
              queue.push({ samples: clip(c), kind: 'answer', n: nextAnswer, label: c });
            }
          }
        }
      }
    })().catch((e) => emit('warning', { message: `bot stream: ${e}` }));
  });
  await join(room, o.url, o.identity, o.room, { canPublish: true, canSubscribe: true, canPublishData: true }, { autoSubscribe: true });
  const source = new AudioSource(RATE, 1, 50); // a short queue: a clip starts within 50 ms
  const track = LocalAudioTrack.createAudioTrack(o.identity + '-mic', source);
  const opts = new TrackPublishOptions();
  opts.source = TrackSource.SOURCE_MICROPHONE;
  await room.localParticipant.publishTrack(track, opts);
  emit('connected', { identity: o.identity, room: o.room });

  const stdinClosed = new Promise((resolve) => {
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
    process.stdin.resume();
  });
  let stdinDone = false;
  stdinClosed.then(() => (stdinDone = true));
  const deadline = Date.now() + o.max;

  // The microphone: a frame every 10 ms, from the clip being spoken or silence.
  const silence = new Int16Array(FRAME);
  let pos = 0;
  let botLeftAt = 0;
  while (!stdinDone && Date.now() < deadline) {
    if (botLeft && botLeftAt === 0) botLeftAt = Date.now();
    if (botLeftAt > 0 && Date.now() - botLeftAt > 1000) break;
    if (!speaking && queue.length > 0) {
      speaking = queue.shift();
      pos = 0;
      emit('clip_start', { kind: speaking.kind, n: speaking.n, label: speaking.label, ms: (speaking.samples.length * 1000) / RATE });
    }
    let frame = silence;
    if (speaking) {
      frame = new Int16Array(FRAME);
      frame.set(speaking.samples.subarray(pos, Math.min(pos + FRAME, speaking.samples.length)));
      pos += FRAME;
      if (pos >= speaking.samples.length) {
        emit('clip_end', { kind: speaking.kind, n: speaking.n, label: speaking.label });
        speaking = null;
      }
    }
    await source.captureFrame(new AudioFrame(frame, RATE, 1, FRAME));
  }
  stopped = true;
  if (o.levels) writeFileSync(o.levels, JSON.stringify({ tracks: [...levels.values()] }));
  emit('levels_written', { tracks: levels.size });
  await room.disconnect();
  await observer.disconnect();
  await source.close();
  emit('done', { botUtterances: n });
  await dispose();
  process.exit(0);
}

main().catch((e) => fail(e?.stack ?? String(e)));
