package series

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"strconv"
	"time"
)

// The files are lines of text, each ending in a space, the CRC-32C of
// what precedes the space as 8 hex digits, and a newline:
//
//	#warroom-series/1 interval=10000        header: the sampling interval in ms
//	d7 "haproxy" "edge-1/web" "error_ratio" series 7 is this source, target, metric
//	t1736466060000 7:0.0123 8:245.5         samples at one time (Unix ms): id:value
//	b1736465700000 7:30,0,0.2,0.05,300000   5-minute buckets: id:n,min,max,mean,span_ms
//	w1736466000000                          every sample before this time is in a bucket
//
// Definitions come before the first line that uses their id, in each file,
// so a file stands alone. Values are written in the shortest form that
// reads back to the same float64.
const header = "#warroom-series/1"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// seal appends the checksum and newline to the line that starts at start.
func seal(buf []byte, start int) []byte {
	sum := crc32.Checksum(buf[start:], castagnoli)
	buf = append(buf, ' ')
	buf = appendHex8(buf, sum)
	return append(buf, '\n')
}

func appendHex8(buf []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for shift := 28; shift >= 0; shift -= 4 {
		buf = append(buf, digits[v>>uint(shift)&0xf])
	}
	return buf
}

// unseal checks a line (without its newline) and returns its body.
func unseal(line []byte) ([]byte, bool) {
	if len(line) < 10 || line[len(line)-9] != ' ' {
		return nil, false
	}
	body := line[:len(line)-9]
	want, err := strconv.ParseUint(string(line[len(line)-8:]), 16, 32)
	return body, err == nil && crc32.Checksum(body, castagnoli) == uint32(want)
}

func appendHeader(buf []byte, interval time.Duration) []byte {
	start := len(buf)
	buf = append(buf, header...)
	buf = append(buf, " interval="...)
	buf = strconv.AppendInt(buf, interval.Milliseconds(), 10)
	return seal(buf, start)
}

func appendDef(buf []byte, id int, k Key) []byte {
	start := len(buf)
	buf = append(buf, 'd')
	buf = strconv.AppendInt(buf, int64(id), 10)
	for _, s := range []string{k.Source, k.Target, k.Metric} {
		buf = append(buf, ' ')
		buf = strconv.AppendQuote(buf, s)
	}
	return seal(buf, start)
}

// idValue is one series' value in a sample line.
type idValue struct {
	id int
	v  float64
}

// appendSamples appends the line of the values at time ms.
func appendSamples(buf []byte, ms int64, xs []idValue) []byte {
	start := len(buf)
	buf = append(buf, 't')
	buf = appendInt(buf, ms)
	for _, x := range xs {
		buf = append(buf, ' ')
		buf = appendInt(buf, int64(x.id))
		buf = append(buf, ':')
		buf = appendFloat(buf, x.v)
	}
	return seal(buf, start)
}

func appendFloat(buf []byte, v float64) []byte { return strconv.AppendFloat(buf, v, 'g', -1, 64) }

// ErrCorrupt is wrapped by the errors reading reports for a damaged file.
var ErrCorrupt = errors.New("metrics series damaged")

// file is what one scan of a series file found.
type file struct {
	interval  time.Duration
	defs      map[int]Key
	keys      []Key // defs by id, for the per-value lookups
	defined   []bool
	watermark int64 // ms; 0 when none
	whole     int64 // bytes of whole, intact lines
	torn      int64 // bytes after them: an incomplete or damaged last line
}

// visitor receives what a scan finds; want says which ids to decode
// (nil: all). Points come in file order.
type visitor struct {
	want   func(id int, k Key, ms int64) bool
	sample func(id int, ms int64, v float64)
	bucket func(id int, p Point)
}

// scan reads a series file's bytes. Only the last line may be damaged (a
// crash in the middle of a write): it is reported as torn. A damaged line
// followed by intact ones is corruption.
func scan(name string, data []byte, v visitor) (file, error) {
	f := file{defs: map[int]Key{}}
	lineNo := 0
	for off := 0; off < len(data); {
		lineNo++
		nl := bytes.IndexByte(data[off:], '\n')
		if nl < 0 {
			f.torn = int64(len(data) - off)
			break
		}
		body, ok := unseal(data[off : off+nl])
		if ok && lineNo == 1 {
			f.interval, ok = parseHeader(body)
		}
		if ok && lineNo > 1 {
			ok = f.line(body, v) == nil
		}
		if !ok {
			if off+nl+1 < len(data) {
				return f, fmt.Errorf("%w: %s line %d is damaged and is not the last line", ErrCorrupt, name, lineNo)
			}
			f.torn = int64(len(data) - off)
			break
		}
		off += nl + 1
		f.whole = int64(off)
	}
	return f, nil
}

func parseHeader(body []byte) (time.Duration, bool) {
	rest, ok := bytes.CutPrefix(body, []byte(header+" interval="))
	if !ok {
		return 0, false
	}
	ms, err := strconv.ParseInt(string(rest), 10, 64)
	return time.Duration(ms) * time.Millisecond, err == nil && ms > 0
}

var errSyntax = errors.New("syntax")

// maxID bounds series ids: far more series than an incident has.
const maxID = 1 << 20

func (f *file) line(body []byte, v visitor) error {
	if len(body) == 0 {
		return errSyntax
	}
	kind, rest := body[0], body[1:]
	switch kind {
	case 'd':
		id, rest, err := parseInt(rest)
		if err != nil {
			return err
		}
		var parts [3]string
		for i := range parts {
			if len(rest) == 0 || rest[0] != ' ' {
				return errSyntax
			}
			q, err := strconv.QuotedPrefix(string(rest[1:]))
			if err != nil {
				return err
			}
			if parts[i], err = strconv.Unquote(q); err != nil {
				return err
			}
			rest = rest[1+len(q):]
		}
		if len(rest) > 0 {
			return errSyntax
		}
		if id == 0 || id > maxID {
			return errSyntax
		}
		k := Key{Source: parts[0], Target: parts[1], Metric: parts[2]}
		f.defs[int(id)] = k
		for int(id) >= len(f.keys) {
			f.keys, f.defined = append(f.keys, Key{}), append(f.defined, false)
		}
		f.keys[id], f.defined[id] = k, true
		return nil
	case 'w':
		ms, rest, err := parseInt(rest)
		if err != nil || len(rest) > 0 {
			return errSyntax
		}
		f.watermark = max(f.watermark, ms)
		return nil
	case 't', 'b':
		ms, rest, err := parseInt(rest)
		if err != nil {
			return err
		}
		for len(rest) > 0 {
			if rest[0] != ' ' {
				return errSyntax
			}
			id, after, err := parseInt(rest[1:])
			if err != nil || len(after) == 0 || after[0] != ':' {
				return errSyntax
			}
			if id >= int64(len(f.defined)) || !f.defined[id] {
				return errSyntax // a value before its definition
			}
			end := bytes.IndexByte(after, ' ')
			if end < 0 {
				end = len(after)
			}
			val := after[1:end]
			rest = after[end:]
			if v.want != nil && !v.want(int(id), f.keys[id], ms) {
				continue
			}
			if kind == 't' {
				x, err := parseFloat(val)
				if err != nil {
					return err
				}
				if v.sample != nil {
					v.sample(int(id), ms, x)
				}
				continue
			}
			p, err := parseBucket(val)
			if err != nil {
				return err
			}
			p.Time = time.UnixMilli(ms).UTC()
			if v.bucket != nil {
				v.bucket(int(id), p)
			}
		}
		return nil
	}
	return errSyntax
}

// parseBucket reads n,min,max,mean,span_ms.
func parseBucket(b []byte) (Point, error) {
	var fields [5][]byte
	for i := range 4 {
		j := bytes.IndexByte(b, ',')
		if j < 0 {
			return Point{}, errSyntax
		}
		fields[i], b = b[:j], b[j+1:]
	}
	fields[4] = b
	n, rest, err := parseInt(fields[0])
	if err != nil || len(rest) > 0 || n <= 0 {
		return Point{}, errSyntax
	}
	span, rest, err := parseInt(fields[4])
	if err != nil || len(rest) > 0 {
		return Point{}, errSyntax
	}
	p := Point{N: int(n), Span: time.Duration(span) * time.Millisecond}
	for i, dst := range []*float64{&p.Min, &p.Max, &p.Value} {
		if *dst, err = parseFloat(fields[i+1]); err != nil {
			return Point{}, err
		}
	}
	return p, nil
}

// parseInt reads a non-negative decimal integer at the start of b.
func parseInt(b []byte) (int64, []byte, error) {
	var n int64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' && i < 18 {
		n = n*10 + int64(b[i]-'0')
		i++
	}
	if i == 0 {
		return 0, b, errSyntax
	}
	return n, b[i:], nil
}

func parseFloat(b []byte) (float64, error) {
	x, err := strconv.ParseFloat(string(b), 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
		return 0, errSyntax
	}
	return x, nil
}
