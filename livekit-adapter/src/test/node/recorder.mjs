// A real third-party LiveKit client (@livekit/rtc-node) that subscribes to one participant's audio
// track and records it: a 48 kHz mono 16-bit WAV, plus the arrival time (epoch ms) of every 10 ms
// frame, one per line, so a test can line the recording up with wall-clock events.
//
//   node recorder.mjs --url ws://192.0.2.10:7880 --room speak --identity listener \
//        --record bot-identity --out /tmp/bot.wav
//
// Credentials come from LIVEKIT_API_KEY / LIVEKIT_API_SECRET (the token is minted here, HS256) and
// are never printed. Recording ends when stdin closes (or --max-ms passes); then the files are
// written ('saved' event) and the client leaves. Progress goes to stdout as JSON lines:
// {"event":..., "epochMs":..., ...}: connected, subscribed {trackSid}, first_frame, data {from, topic,
// text} (user packets), saved {frames}.
import { writeFileSync } from 'node:fs';
import { AudioStream, Room, RoomEvent, TrackKind, dispose } from '@livekit/rtc-node';
import { emit, fail, join } from './common.mjs';

const opts = { identity: 'recorder', maxMs: 600000 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const next = () => {
    if (i + 1 >= argv.length) fail(`missing value after ${a}`);
    return argv[++i];
  };
  if (a === '--url') opts.url = next();
  else if (a === '--room') opts.room = next();
  else if (a === '--identity') opts.identity = next();
  else if (a === '--record') opts.record = next();
  else if (a === '--out') opts.out = next();
  else if (a === '--max-ms') opts.maxMs = Number(next());
  else fail(`unknown argument ${a}`);
}
opts.url ??= process.env.LIVEKIT_URL;
for (const k of ['url', 'room', 'record', 'out']) if (!opts[k]) fail(`--${k} is required`);

function wav(samples, rate) {
  const data = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) data.writeInt16LE(samples[i], i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

const chunks = [];
const times = [];
let total = 0;
let reading;

const room = new Room();
room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
  if (participant.identity !== opts.record || track.kind !== TrackKind.KIND_AUDIO || reading) return;
  emit('subscribed', { trackSid: publication.sid, identity: participant.identity });
  reading = (async () => {
    const stream = new AudioStream(track, { sampleRate: 48000, numChannels: 1 });
    for await (const frame of stream) {
      if (total === 0) emit('first_frame');
      const now = Date.now();
      chunks.push(Int16Array.from(frame.data));
      // one arrival time per 10 ms of audio
      for (let k = 0; k < Math.max(1, Math.round(frame.samplesPerChannel / 480)); k++) times.push(now);
      total += frame.samplesPerChannel;
    }
  })();
});

room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
  emit('data', { from: participant?.identity ?? '', topic: topic ?? '', text: Buffer.from(payload).toString('utf8') });
});

await join(room, opts.url, opts.identity, opts.room, { canSubscribe: true }, { autoSubscribe: true });
emit('connected', { identity: opts.identity, room: opts.room });

await new Promise((resolve) => {
  const t = setTimeout(resolve, opts.maxMs);
  process.stdin.on('end', () => { clearTimeout(t); resolve(); });
  process.stdin.on('close', () => { clearTimeout(t); resolve(); });
  process.stdin.resume();
});

const all = new Int16Array(total);
let off = 0;
for (const c of chunks) {
  all.set(c, off);
  off += c.length;
}
writeFileSync(opts.out, wav(all, 48000));
writeFileSync(opts.out + '.times', times.join('\n') + '\n');
emit('saved', { frames: times.length, samples: total });
await room.disconnect();
await dispose();
process.exit(0);
