'use strict';
// pb - protobuf wire encoding by hand: the attacks need shapes a generated
// encoder would refuse or take forever to build (5,000 levels of Struct).

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

// Field id, wire type 2, holding bytes (Buffer or string).
function bytesField(id, bytes) {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  return Buffer.concat([varint((id << 3) | 2), varint(b.length), b]);
}

function varintField(id, n) {
  return Buffer.concat([varint(id << 3), varint(n)]);
}

// A google.protobuf.Struct of `levels` nested objects {"a": {"a": ... {}}}.
function nestedStruct(levels) {
  let s = Buffer.alloc(0);
  for (let i = 1; i < levels; i++) {
    const value = bytesField(5, s); // Value.struct_value
    const entry = Buffer.concat([bytesField(1, 'a'), bytesField(2, value)]);
    s = bytesField(1, entry); // Struct.fields
  }
  return s;
}

// A Struct {"items": [null, null, ...]} of n nulls.
function wideStruct(n) {
  const nul = bytesField(1, Buffer.from([0x08, 0x00])); // ListValue.values: null
  const list = Buffer.concat(new Array(n).fill(nul));
  const value = bytesField(6, list); // Value.list_value
  return bytesField(1, Buffer.concat([bytesField(1, 'items'), bytesField(2, value)]));
}

// The top-level fields of a message: how many times each field id occurs
// and, for length-delimited ones, their total bytes. Enough to see a page's
// items and its token (last: the last value of each length-delimited
// field) without a generated decoder.
function topFields(buf) {
  const count = {}, bytes = {}, last = {};
  let i = 0;
  const readVarint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      const b = buf[i++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (i < buf.length) {
    const key = Number(readVarint());
    const id = key >> 3, wt = key & 7;
    count[id] = (count[id] || 0) + 1;
    if (wt === 0) readVarint();
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else if (wt === 2) {
      const n = Number(readVarint());
      bytes[id] = (bytes[id] || 0) + n;
      last[id] = buf.subarray(i, i + n);
      i += n;
    } else throw new Error(`wire type ${wt}`);
  }
  return { count: new Proxy(count, { get: (o, k) => o[k] || 0 }), bytes: new Proxy(bytes, { get: (o, k) => o[k] || 0 }), last };
}

module.exports = { varint, bytesField, varintField, nestedStruct, wideStruct, topFields };
