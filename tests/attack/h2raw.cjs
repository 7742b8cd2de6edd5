'use strict';
// h2raw - HTTP/2 frames written by hand, for the attacks that a well-behaved
// client library refuses to send (floods, resets, endless CONTINUATION,
// windows of zero). Only what the attacks need: frame headers, HPACK
// literals without Huffman coding or indexing, and a reader that answers
// the server's SETTINGS and counts what comes back.

const net = require('net');

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const TYPE = { DATA: 0, HEADERS: 1, RST_STREAM: 3, SETTINGS: 4, PING: 6, GOAWAY: 7, WINDOW_UPDATE: 8, CONTINUATION: 9 };
const FLAG = { END_STREAM: 1, ACK: 1, END_HEADERS: 4 };

function frame(type, flags, stream, payload) {
  const p = payload || Buffer.alloc(0);
  const h = Buffer.alloc(9);
  h.writeUIntBE(p.length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(stream & 0x7fffffff, 5);
  return Buffer.concat([h, p]);
}

// settings: [[id, value], ...]
function settings(pairs, ack) {
  const p = Buffer.alloc(6 * (pairs || []).length);
  (pairs || []).forEach(([id, v], i) => {
    p.writeUInt16BE(id, 6 * i);
    p.writeUInt32BE(v >>> 0, 6 * i + 2);
  });
  return frame(TYPE.SETTINGS, ack ? FLAG.ACK : 0, 0, p);
}

// HPACK integer with an n-bit prefix (RFC 7541 §5.1).
function hpackInt(value, prefixBits, firstByte) {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByte | value]);
  const out = [firstByte | max];
  value -= max;
  while (value >= 128) {
    out.push((value % 128) + 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}

function hpackString(s) {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1');
  return Buffer.concat([hpackInt(b.length, 7, 0), b]);
}

// A header block of literals "without indexing, new name" (0x00).
function headerBlock(headers) {
  const parts = [];
  for (const [k, v] of headers) parts.push(Buffer.from([0]), hpackString(k), hpackString(v));
  return Buffer.concat(parts);
}

function grpcHeaders(path, token, extra) {
  const h = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', path],
    [':authority', 'localhost'],
    ['content-type', 'application/grpc'],
    ['te', 'trailers'],
  ];
  if (token) h.push(['authorization', 'Bearer ' + token]);
  for (const e of extra || []) h.push(e);
  return headerBlock(h);
}

// One gRPC message: flag 0, 4-byte length, bytes.
function grpcMessage(bytes) {
  const h = Buffer.alloc(5);
  h.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([h, bytes]);
}

// A connection that reads and counts what the server sends, answering its
// SETTINGS (a server waits for the ACK before it enforces its limits) and
// noting GOAWAY. opts.settings: our SETTINGS pairs.
function connect(port, opts) {
  opts = opts || {};
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const st = { sock, closed: false, goaway: null, rst: 0, ended: 0, bytes: 0, frames: 0, error: null };
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      st.bytes += d.length;
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        const type = buf[3], flags = buf[4];
        const payload = buf.subarray(9, 9 + len);
        st.frames++;
        if (type === TYPE.SETTINGS && !(flags & FLAG.ACK) && !sock.destroyed) sock.write(settings([], true));
        if (type === TYPE.GOAWAY && len >= 8) st.goaway = payload.readUInt32BE(4);
        if (type === TYPE.RST_STREAM) st.rst++;
        if (type === TYPE.HEADERS && (flags & FLAG.END_STREAM)) st.ended++; // trailers: a call's end
        buf = buf.subarray(9 + len);
      }
      if (opts.onData) opts.onData(st);
    });
    sock.on('error', (e) => { st.error = e.code || String(e); });
    // The server's FIN is as good as its close: it has stopped reading.
    sock.on('end', () => { st.closed = true; });
    sock.on('close', () => { st.closed = true; });
    sock.on('connect', () => {
      if (opts.raw) return resolve(st);
      sock.write(Buffer.concat([PREFACE, settings(opts.settings || [])]));
      resolve(st);
    });
    sock.setTimeout(opts.connectTimeoutMs || 10000, () => {
      if (!sock.connecting) return;
      st.error = 'connect timeout';
      sock.destroy();
      resolve(st);
    });
  });
}

// Writes buf, waiting for the socket to drain when it is full (so that a
// flood is limited by what the server reads, not by our memory).
function write(st, buf) {
  if (st.closed || st.sock.destroyed) return Promise.resolve(false);
  if (st.sock.write(buf)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ok) => {
      st.sock.off('drain', onDrain);
      st.sock.off('close', onClose);
      st.sock.off('end', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    st.sock.on('drain', onDrain);
    st.sock.on('close', onClose);
    st.sock.on('end', onClose);
  });
}

module.exports = { PREFACE, TYPE, FLAG, frame, settings, headerBlock, grpcHeaders, grpcMessage, connect, write };
