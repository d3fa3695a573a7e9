// What the rtc-node test clients share: JSON-line progress, failing with exit 2, minting a token
// from LIVEKIT_API_KEY / LIVEKIT_API_SECRET (HS256; the secret and the token are never printed),
// joining a room, reading a 16-bit PCM WAV.
//
//   import { emit, fail, join, readWav, sleep } from './common.mjs';
import { readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import { basename } from 'node:path';

/** One progress line on stdout: {"event":..., "epochMs":..., ...fields}. */
export function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ event, epochMs: Date.now(), ...fields }) + '\n');
}

/** Reports a bad argument or environment ('error' event and a stderr line) and exits with 2. */
export function fail(message) {
  emit('error', { message });
  process.stderr.write(`${basename(process.argv[1] ?? 'client', '.mjs')}: ${message}\n`);
  process.exit(2);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

function b64url(buf) {
  return Buffer.from(buf).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * An access token for `identity` in `room`, valid for an hour, with the grants asked for
 * ({canPublish, canSubscribe, canPublishData}; each false unless given).
 */
export function mintToken(identity, room, { canPublish = false, canSubscribe = false, canPublishData = false } = {}) {
  const key = process.env.LIVEKIT_API_KEY;
  const secret = process.env.LIVEKIT_API_SECRET;
  if (!key || !secret) fail('LIVEKIT_API_KEY and LIVEKIT_API_SECRET must be set');
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = b64url(
    JSON.stringify({
      iss: key,
      sub: identity,
      name: identity,
      nbf: now - 10,
      exp: now + 3600,
      video: { room, roomJoin: true, canPublish, canSubscribe, canPublishData },
    }),
  );
  const sig = b64url(createHmac('sha256', secret).update(`${header}.${payload}`).digest());
  return `${header}.${payload}.${sig}`;
}

/**
 * Connects `room` (an rtc-node Room, its handlers already registered) to `url` as `identity` in
 * `roomName` with `grants` (see mintToken); dynacast off, autoSubscribe as asked.
 */
export async function join(room, url, identity, roomName, grants, { autoSubscribe = false } = {}) {
  await room.connect(url, mintToken(identity, roomName, grants), { autoSubscribe, dynacast: false });
}

/** A 16-bit PCM WAV's {format, channels, sampleRate, bits, samples: Int16Array (interleaved)}. */
export function readWav(path) {
  const buf = readFileSync(path);
  if (buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    fail(`${path} is not a RIFF/WAVE file`);
  }
  let off = 12;
  let fmt;
  let data;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, Math.min(body + size, buf.length));
    }
    off = body + size + (size & 1);
  }
  if (!fmt || !data) fail(`${path}: missing fmt or data chunk`);
  if ((fmt.format !== 1 && fmt.format !== 0xfffe) || fmt.bits !== 16) {
    fail(`${path}: need 16-bit PCM, got format ${fmt.format} with ${fmt.bits} bits`);
  }
  const samples = new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1)));
  return { ...fmt, samples };
}
