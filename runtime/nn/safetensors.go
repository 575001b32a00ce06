package nn

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/nodekit/nodekit/internal/dataio"
)

// Tensor is a named, shaped view of float64 values (row-major).
type Tensor struct {
	Name  string
	Shape []int
	Data  []float64
}

// Module is anything with named parameter tensors whose Data alias its
// parameters, such as *Sequential, *MLP, *Conv2d or *GRUCell.
type Module interface {
	ParamTensors() []Tensor
}

// FormatVersion is the version written to, and required of, the
// "__metadata__" of parameter files.
const FormatVersion = "1"

// Metadata keys this package writes into a parameter file's header.
const (
	MetaFormat  = "format"         // always "nodekit-params"
	MetaVersion = "format_version" // FormatVersion
)

const formatName = "nodekit-params"

// maxHeader bounds the JSON header a reader accepts (safetensors uses the
// same 100 MB limit).
const maxHeader = 100 << 20

func tensorsFromSpecs(specs []ParamSpec, p []float64) []Tensor {
	ts := make([]Tensor, len(specs))
	off := 0
	for i, s := range specs {
		n := s.Size()
		ts[i] = Tensor{Name: s.Name, Shape: append([]int(nil), s.Shape...), Data: p[off : off+n : off+n]}
		off += n
	}
	if off != len(p) {
		panic(fmt.Sprintf("nn: parameter specs cover %d values, parameters hold %d", off, len(p)))
	}
	return ts
}

type headerEntry struct {
	Dtype       string `json:"dtype"`
	Shape       []int  `json:"shape"`
	DataOffsets [2]int `json:"data_offsets"`
}

// EncodeSafetensors returns the safetensors encoding of ts: an 8-byte
// little-endian header length, a JSON header (dtype "F64", shape,
// data_offsets per tensor, and "__metadata__" holding meta plus the
// format name and version) padded with spaces to a multiple of 8, then
// the raw little-endian data in the order of ts.
func EncodeSafetensors(ts []Tensor, meta map[string]string) ([]byte, error) {
	header := make(map[string]any, len(ts)+1)
	md := map[string]string{MetaFormat: formatName, MetaVersion: FormatVersion}
	for k, v := range meta {
		if k == MetaFormat || k == MetaVersion {
			continue
		}
		md[k] = v
	}
	header["__metadata__"] = md
	off := 0
	for _, t := range ts {
		if t.Name == "" || t.Name == "__metadata__" {
			return nil, fmt.Errorf("%w: tensor name %q is not allowed", ErrBadConfig, t.Name)
		}
		if _, dup := header[t.Name]; dup {
			return nil, fmt.Errorf("%w: duplicate tensor name %q", ErrBadConfig, t.Name)
		}
		if n := shapeSize(t.Shape); n != len(t.Data) {
			return nil, fmt.Errorf("%w: tensor %q has shape %v (%d values) but %d values", ErrBadConfig, t.Name, t.Shape, n, len(t.Data))
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = headerEntry{Dtype: "F64", Shape: shape, DataOffsets: [2]int{off, off + 8*len(t.Data)}}
		off += 8 * len(t.Data)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, err
	}
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	buf := make([]byte, 8+len(hj)+off)
	binary.LittleEndian.PutUint64(buf, uint64(len(hj)))
	copy(buf[8:], hj)
	p := 8 + len(hj)
	for _, t := range ts {
		for _, v := range t.Data {
			binary.LittleEndian.PutUint64(buf[p:], math.Float64bits(v))
			p += 8
		}
	}
	return buf, nil
}

// shapeSize returns the number of elements of shape, or −1 if a
// dimension is negative or the count would exceed 2⁵⁶ (so that byte
// offsets cannot overflow).
func shapeSize(shape []int) int {
	const limit = 1 << 56
	n := 1
	for _, d := range shape {
		if d < 0 || (d > 0 && n > limit/d) {
			return -1
		}
		n *= d
	}
	return n
}

// DecodeSafetensors parses a safetensors buffer of F64 tensors. Tensors are
// returned in the order of their data offsets. Any inconsistency (short
// buffer, bad JSON, a name given twice, bytes after the header other than
// padding, other dtype, offsets that overlap, leave holes or run past the
// end, shape/size disagreement) is an ErrCorrupt naming it.
func DecodeSafetensors(buf []byte) ([]Tensor, map[string]string, error) {
	if len(buf) < 8 {
		return nil, nil, fmt.Errorf("%w: %d bytes, shorter than the 8-byte header length", ErrCorrupt, len(buf))
	}
	hl := binary.LittleEndian.Uint64(buf)
	if hl > maxHeader || hl > uint64(len(buf)-8) {
		return nil, nil, fmt.Errorf("%w: header length %d does not fit in a %d-byte file", ErrCorrupt, hl, len(buf))
	}
	hj := buf[8 : 8+hl]
	data := buf[8+hl:]
	keys, raw, err := headerObject(hj)
	if err != nil {
		return nil, nil, err
	}
	var meta map[string]string
	if m, ok := raw["__metadata__"]; ok {
		if err := json.Unmarshal(m, &meta); err != nil {
			return nil, nil, fmt.Errorf("%w: __metadata__ is not an object of strings: %v", ErrCorrupt, err)
		}
	}
	type entry struct {
		name string
		headerEntry
	}
	entries := make([]entry, 0, len(raw))
	for _, name := range keys {
		if name == "__metadata__" {
			continue
		}
		r := raw[name]
		var e headerEntry
		d := json.NewDecoder(bytes.NewReader(r))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, nil, fmt.Errorf("%w: tensor %q: bad header entry: %v", ErrCorrupt, name, err)
		}
		if e.Dtype != "F64" {
			return nil, nil, fmt.Errorf("%w: tensor %q has dtype %q, only F64 is supported", ErrCorrupt, name, e.Dtype)
		}
		n := shapeSize(e.Shape)
		if n < 0 {
			return nil, nil, fmt.Errorf("%w: tensor %q has an invalid shape %v", ErrCorrupt, name, e.Shape)
		}
		if e.DataOffsets[1]-e.DataOffsets[0] != 8*n || e.DataOffsets[0] < 0 {
			return nil, nil, fmt.Errorf("%w: tensor %q: shape %v needs %d bytes but data_offsets %v span %d", ErrCorrupt, name, e.Shape, 8*n, e.DataOffsets, e.DataOffsets[1]-e.DataOffsets[0])
		}
		entries = append(entries, entry{name, e})
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := a.DataOffsets[0] - b.DataOffsets[0]; c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	pos := 0
	ts := make([]Tensor, len(entries))
	for i, e := range entries {
		if e.DataOffsets[0] != pos {
			return nil, nil, fmt.Errorf("%w: tensor %q starts at byte %d of the data, expected %d (overlap or hole)", ErrCorrupt, e.name, e.DataOffsets[0], pos)
		}
		if e.DataOffsets[1] > len(data) {
			return nil, nil, fmt.Errorf("%w: tensor %q ends at byte %d but the data section has %d bytes (truncated file?)", ErrCorrupt, e.name, e.DataOffsets[1], len(data))
		}
		v := make([]float64, (e.DataOffsets[1]-e.DataOffsets[0])/8)
		for j := range v {
			v[j] = math.Float64frombits(binary.LittleEndian.Uint64(data[e.DataOffsets[0]+8*j:]))
		}
		ts[i] = Tensor{Name: e.name, Shape: e.Shape, Data: v}
		pos = e.DataOffsets[1]
	}
	if pos != len(data) {
		return nil, nil, fmt.Errorf("%w: tensors cover %d bytes of data but the file holds %d", ErrCorrupt, pos, len(data))
	}
	return ts, meta, nil
}

// headerObject parses the JSON header: one object, then only the spaces
// safetensors pads it with. It returns the keys in file order and their
// raw values; a key given twice is an error (encoding/json would keep the
// last silently).
func headerObject(hj []byte) ([]string, map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(hj))
	notObject := func(err error) error {
		return fmt.Errorf("%w: header is not a JSON object: %v", ErrCorrupt, err)
	}
	if tok, err := dec.Token(); err != nil {
		return nil, nil, notObject(err)
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, nil, notObject(fmt.Errorf("starts with %v", tok))
	}
	var keys []string
	raw := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil, notObject(err)
		}
		key, ok := tok.(string)
		if !ok {
			return nil, nil, notObject(fmt.Errorf("key %v", tok))
		}
		if _, dup := raw[key]; dup {
			return nil, nil, fmt.Errorf("%w: duplicate tensor name %q in the header", ErrCorrupt, key)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, nil, notObject(err)
		}
		keys = append(keys, key)
		raw[key] = v
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, nil, notObject(err)
	}
	rest := hj[dec.InputOffset():]
	if len(bytes.TrimRight(rest, " \t\r\n")) != 0 {
		return nil, nil, fmt.Errorf("%w: %d bytes after the JSON header that are not padding", ErrCorrupt, len(rest))
	}
	return keys, raw, nil
}

// WriteFileAtomic writes data to path so that the file is either the old
// one or the complete new one, never half-written (see
// dataio.WriteFileAtomic, which it uses). perm must be 0o644, the only
// mode nodekit writes.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	if perm != 0o644 {
		return fmt.Errorf("nn: WriteFileAtomic: mode %v, want 0644", perm)
	}
	return dataio.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SaveTensors writes ts with metadata meta to path in the safetensors
// layout, atomically.
func SaveTensors(path string, ts []Tensor, meta map[string]string) error {
	buf, err := EncodeSafetensors(ts, meta)
	if err != nil {
		return err
	}
	return WriteFileAtomic(path, buf, 0o644)
}

// LoadTensors reads a safetensors file written by SaveTensors (or by the
// Python safetensors library with F64 tensors). It checks that the format
// version in the metadata, if the file names one, is FormatVersion.
func LoadTensors(path string) ([]Tensor, map[string]string, error) {
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	ts, meta, err := DecodeSafetensors(buf)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if v, ok := meta[MetaVersion]; ok && v != FormatVersion {
		return nil, nil, fmt.Errorf("%s: %w: file has format version %q, this build reads %q", path, ErrVersion, v, FormatVersion)
	}
	return ts, meta, nil
}

// SaveParams writes the parameters of m, with their names and shapes, to
// path (atomically) in the safetensors layout. meta is stored in the
// header's "__metadata__" next to the format version.
func SaveParams(path string, m Module, meta map[string]string) error {
	return SaveTensors(path, m.ParamTensors(), meta)
}

// LoadParams reads path and copies its tensors into m's parameters. The
// file must hold exactly the tensors of m with the same shapes; otherwise
// the error (ErrMismatch) names the first tensor that differs and how. On
// error m is unchanged. It returns the file's metadata.
func LoadParams(path string, m Module) (map[string]string, error) {
	ts, meta, err := LoadTensors(path)
	if err != nil {
		return nil, err
	}
	if err := AssignTensors(m, ts); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return meta, nil
}

// AssignTensors copies ts into m's parameters after checking that names
// and shapes match exactly and that every value is finite (NaN or Inf is
// an ErrCorrupt naming the tensor and index). On error m is unchanged.
func AssignTensors(m Module, ts []Tensor) error {
	want := m.ParamTensors()
	byName := make(map[string]Tensor, len(ts))
	for _, t := range ts {
		byName[t.Name] = t
	}
	for _, w := range want {
		t, ok := byName[w.Name]
		if !ok {
			return fmt.Errorf("%w: tensor %q (shape %v) is missing from the file", ErrMismatch, w.Name, w.Shape)
		}
		if !slices.Equal(t.Shape, w.Shape) {
			return fmt.Errorf("%w: tensor %q has shape %v in the file but %v in the model", ErrMismatch, w.Name, t.Shape, w.Shape)
		}
		for i, v := range t.Data {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%w: tensor %q holds %g at [%d] (a save after training diverged?)", ErrCorrupt, w.Name, v, i)
			}
		}
		delete(byName, w.Name)
	}
	if len(byName) > 0 {
		extra := make([]string, 0, len(byName))
		for n := range byName {
			extra = append(extra, n)
		}
		slices.Sort(extra)
		return fmt.Errorf("%w: the file has tensors the model lacks: %s", ErrMismatch, strings.Join(extra, ", "))
	}
	for _, w := range want {
		for _, t := range ts {
			if t.Name == w.Name {
				copy(w.Data, t.Data)
				break
			}
		}
	}
	return nil
}
