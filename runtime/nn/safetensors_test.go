package nn

import (
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSafetensorsLayout(t *testing.T) {
	buf, err := EncodeSafetensors([]Tensor{
		{Name: "a", Shape: []int{2}, Data: []float64{1, -2}},
		{Name: "b", Shape: []int{1, 1}, Data: []float64{0.5}},
	}, map[string]string{"note": "x"})
	if err != nil {
		t.Fatal(err)
	}
	hl := binary.LittleEndian.Uint64(buf)
	header := string(buf[8 : 8+hl])
	wantHeader := `{"__metadata__":{"format":"nodekit-params","format_version":"1","note":"x"},` +
		`"a":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},` +
		`"b":{"dtype":"F64","shape":[1,1],"data_offsets":[16,24]}}`
	if strings.TrimRight(header, " ") != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", header, wantHeader)
	}
	if hl%8 != 0 {
		t.Errorf("header length %d is not a multiple of 8", hl)
	}
	data := buf[8+hl:]
	if len(data) != 24 {
		t.Fatalf("data section has %d bytes, want 24", len(data))
	}
	for i, want := range []float64{1, -2, 0.5} {
		if got := math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:])); got != want {
			t.Errorf("value %d = %v, want %v", i, got, want)
		}
	}
	ts, meta, err := DecodeSafetensors(buf)
	if err != nil {
		t.Fatal(err)
	}
	if meta["note"] != "x" || meta[MetaVersion] != FormatVersion || len(ts) != 2 || ts[1].Name != "b" || ts[1].Data[0] != 0.5 {
		t.Errorf("decoded %+v %v", ts, meta)
	}
}

func TestSaveLoadParams(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	a := NewMLP([]int{3, 5, 2}, Tanh, NewRNG(1))
	if err := SaveParams(path, a, map[string]string{"epoch": "7"}); err != nil {
		t.Fatal(err)
	}
	b := NewMLP([]int{3, 5, 2}, Tanh, NewRNG(2))
	meta, err := LoadParams(path, b)
	if err != nil {
		t.Fatal(err)
	}
	closeVec(t, "loaded", b.Params(), a.Params(), 0)
	if meta["epoch"] != "7" {
		t.Errorf("metadata epoch = %q", meta["epoch"])
	}
	// Saving again over the file leaves no temporary files behind.
	if err := SaveParams(path, b, nil); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries after saves, want 1", len(ents))
	}
	// A save into a missing directory fails without creating anything.
	if err := SaveParams(filepath.Join(dir, "nope", "m.safetensors"), a, nil); err == nil {
		t.Error("save into a missing directory succeeded")
	}

	// Other modules round-trip too.
	g := NewGRUCell(2, 3, NewRNG(1))
	if err := SaveParams(path, g, nil); err != nil {
		t.Fatal(err)
	}
	g2 := NewGRUCell(2, 3, NewRNG(9))
	if _, err := LoadParams(path, g2); err != nil {
		t.Fatal(err)
	}
	closeVec(t, "GRU loaded", g2.Params(), g.Params(), 0)
}

func TestLoadParamsErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	a := NewMLP([]int{3, 5, 2}, Tanh, NewRNG(1))
	if err := SaveParams(path, a, nil); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	hl := int(binary.LittleEndian.Uint64(good))
	header := string(good[8 : 8+hl])

	withHeader := func(h string) []byte {
		for len(h)%8 != 0 {
			h += " "
		}
		b := make([]byte, 8, 8+len(h)+len(good)-8-hl)
		binary.LittleEndian.PutUint64(b, uint64(len(h)))
		return append(append(b, h...), good[8+hl:]...)
	}
	for _, c := range []struct {
		name    string
		file    []byte
		model   Module
		wantErr error
		wantMsg string
	}{
		{"truncated data", good[:len(good)-8], a, ErrCorrupt, `tensor "2.bias" ends at byte`},
		{"short", good[:5], a, ErrCorrupt, "shorter than the 8-byte"},
		{"huge header length", append([]byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}, good[8:]...), a, ErrCorrupt, "header length"},
		{"bad json", withHeader("{" + header[2:]), a, ErrCorrupt, "not a JSON object"},
		{"dtype", withHeader(strings.Replace(header, `"F64"`, `"F32"`, 1)), a, ErrCorrupt, `dtype "F32"`},
		{"shape vs offsets", withHeader(strings.Replace(header, `"shape":[5,3]`, `"shape":[5,4]`, 1)), a, ErrCorrupt, `"0.weight": shape [5 4] needs 160 bytes`},
		{"version", withHeader(strings.Replace(header, `"format_version":"1"`, `"format_version":"9"`, 1)), a, ErrVersion, `"9"`},
		{"missing tensor", good, NewSequential(NewDense(3, 5, nil), NewAct(Tanh, 5), NewDense(5, 2, nil), NewAct(Tanh, 2), NewDense(2, 2, nil)), ErrMismatch, `"4.weight" (shape [2 2]) is missing`},
		{"other shape", good, NewMLP([]int{3, 6, 2}, Tanh, nil), ErrMismatch, `"0.weight" has shape [5 3] in the file but [6 3] in the model`},
		{"extra tensor", good, NewSequential(NewDense(3, 5, nil)), ErrMismatch, "tensors the model lacks: 2.bias, 2.weight"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.safetensors")
			if err := os.WriteFile(p, c.file, 0o644); err != nil {
				t.Fatal(err)
			}
			before := append([]float64(nil), c.model.ParamTensors()[0].Data...)
			_, err := LoadParams(p, c.model)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			if !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("error %q does not mention %q", err, c.wantMsg)
			}
			closeVec(t, "model after failed load", c.model.ParamTensors()[0].Data, before, 0)
		})
	}
}

func TestDecodeHugeShape(t *testing.T) {
	h := `{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`
	for len(h)%8 != 0 {
		h += " "
	}
	b := make([]byte, 8)
	binary.LittleEndian.PutUint64(b, uint64(len(h)))
	if _, _, err := DecodeSafetensors(append(b, h...)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("err = %v, want ErrCorrupt", err)
	}
}

// FuzzDecodeSafetensors checks that no input makes the decoder panic and
// that whatever it accepts re-encodes to tensors with consistent shapes.
func FuzzDecodeSafetensors(f *testing.F) {
	good, _ := EncodeSafetensors([]Tensor{{Name: "w", Shape: []int{2, 1}, Data: []float64{1, 2}}, {Name: "b", Shape: []int{}, Data: []float64{3}}}, nil)
	f.Add(good)
	f.Add(good[:20])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, buf []byte) {
		ts, _, err := DecodeSafetensors(buf)
		if err != nil {
			return
		}
		for _, tt := range ts {
			if shapeSize(tt.Shape) != len(tt.Data) {
				t.Fatalf("tensor %q: shape %v but %d values", tt.Name, tt.Shape, len(tt.Data))
			}
		}
	})
}
