package dataio

import (
	"bytes"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadCSV(t *testing.T) {
	in := "# a comment\nt, x ,y\n0,1,-2\n\n0.5, 2e-3 ,\"3\"\n"
	tab, err := ReadCSV(strings.NewReader(in), "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{
		Name:   "a.csv",
		Header: []string{"t", "x", "y"},
		Rows:   [][]float64{{0, 1, -2}, {0.5, 2e-3, 3}},
		Lines:  []int{3, 5},
	}
	if diff := cmp.Diff(want, tab); diff != "" {
		t.Errorf("table (-want +got):\n%s", diff)
	}
	x, err := tab.Col("x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{1, 2e-3}, x); diff != "" {
		t.Errorf("Col(x) (-want +got):\n%s", diff)
	}
	if _, err := tab.Col("z"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("Col(z) error = %v, want ErrNoColumn", err)
	}
	if err := tab.CheckIncreasing("t"); err != nil {
		t.Errorf("CheckIncreasing(t) = %v", err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     error
		msg      string
	}{
		{"empty", "", ErrEmpty, "e.csv: empty file (no header)"},
		{"only comments", "# x\n\n", ErrEmpty, "e.csv: empty file"},
		{"header only", "t,x\n", ErrNoRows, "e.csv: header but no data rows"},
		{"ragged short", "t,x\n0,1\n1\n", ErrRagged, "e.csv:3: 1 fields, want 2"},
		{"ragged long", "t,x\n0,1\n1,2,3\n", ErrRagged, "e.csv:3: 3 fields, want 2"},
		{"not number", "t,x\n0,1\n1,abc\n", ErrNotNumber, `e.csv:3:3: column x: "abc" is not a number`},
		{"empty cell", "t,x\n0,\n", ErrNotNumber, `e.csv:2:3: column x: "" is not a number`},
		{"range", "t,x\n0,1e999\n", ErrNotNumber, `e.csv:2:3: column x: "1e999" out of float64 range`},
		{"nan", "t,x\n0,1\n\n1,NaN\n", ErrNonFinite, "e.csv:4:3: column x: NaN value not allowed"},
		{"inf", "t,x\n0,-Inf\n", ErrNonFinite, "e.csv:2:3: column x: -Inf value not allowed"},
		{"dup header", "t,x,x\n0,1,2\n", ErrDuplicateHeader, `e.csv:1:5: duplicate column "x" (columns 2 and 3)`},
		{"empty header", "t,,y\n0,1,2\n", ErrHeader, "e.csv:1:3: empty name for column 2 in header"},
		{"bad quote", "t,x\n0,\"1\n", ErrSyntax, "e.csv:2:"},
		// The column is the field's first byte, counted from 1.
		{"spaced cell", "t,x,y\n0,  1, q\n", ErrNotNumber, `e.csv:2:7: column y: "q" is not a number`},
		{"quoted cell", "t,x\n0,\"q\"\n", ErrNotNumber, `e.csv:2:3: column x: "q" is not a number`},
		{"long line", "t,x\n0.5,1\n1e3,1\n2,  7x\n", ErrNotNumber, `e.csv:4:3: column x: "7x" is not a number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(tc.in), "e.csv")
			if !errors.Is(err, tc.want) {
				t.Fatalf("error = %v, want %v", err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), tc.msg) {
				t.Errorf("message = %q, want prefix %q", err.Error(), tc.msg)
			}
		})
	}
}

func TestReadCSVAllowNonFinite(t *testing.T) {
	tab, err := ReadCSVWith(strings.NewReader("t,x\n0,NaN\n1,+Inf\n"), "n.csv", &ReadOptions{AllowNonFinite: true})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(tab.Rows[0][1]) || !math.IsInf(tab.Rows[1][1], 1) {
		t.Errorf("rows = %v", tab.Rows)
	}
}

func TestCheckIncreasing(t *testing.T) {
	in := "t,x\n0,0\n1,0\n# gap\n3.3,0\n3.2,0\n"
	tab, err := ReadCSV(strings.NewReader(in), "file.csv")
	if err != nil {
		t.Fatal(err)
	}
	err = tab.CheckIncreasing("t")
	if !errors.Is(err, ErrNotIncreasing) {
		t.Fatalf("error = %v, want ErrNotIncreasing", err)
	}
	if got, want := err.Error(), "file.csv:6: t not increasing (3.2 after 3.3)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	tab.Rows[3][0] = 3.3 // equal is not increasing either
	if err := tab.CheckIncreasing("t"); !errors.Is(err, ErrNotIncreasing) {
		t.Errorf("equal times: error = %v", err)
	}
	if err := tab.CheckIncreasing("s"); !errors.Is(err, ErrNoColumn) {
		t.Errorf("missing column: error = %v", err)
	}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	header := []string{"t", "x", "odd,name", "#c", " q\"uote"}
	rows := [][]float64{
		{0, math.Pi, -1e-300, 1, 2},
		{0.1, 1.0 / 3, math.MaxFloat64, 3, 4},
		{math.SmallestNonzeroFloat64, math.Copysign(0, -1), 123456789012345678, 5, 6},
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, header, rows); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSV(&buf, "rt.csv")
	if err != nil {
		t.Fatal(err)
	}
	header[4] = `q"uote` // surrounding space is trimmed on reading
	if diff := cmp.Diff(header, tab.Header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	for i := range rows {
		for j := range rows[i] {
			if math.Float64bits(rows[i][j]) != math.Float64bits(tab.Rows[i][j]) {
				t.Errorf("row %d col %d: wrote %v, read %v", i, j, rows[i][j], tab.Rows[i][j])
			}
		}
	}
	if err := WriteCSV(io.Discard, header, [][]float64{{1, 2}}); !errors.Is(err, ErrRagged) {
		t.Errorf("ragged write: error = %v", err)
	}
	if err := WriteCSV(io.Discard, []string{"t", " "}, nil); !errors.Is(err, ErrHeader) {
		t.Errorf("empty name: error = %v", err)
	}
	if err := WriteCSV(io.Discard, []string{"t", "t"}, nil); !errors.Is(err, ErrDuplicateHeader) {
		t.Errorf("duplicate name: error = %v", err)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := WriteFileAtomic(path, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("error = %v, want boom", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after failed write: %q, want old contents", b)
	}
	err = WriteFileAtomic(path, func(w io.Writer) error {
		return WriteCSV(w, []string{"t"}, [][]float64{{1}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "t\n1\n" {
		t.Errorf("contents %q", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want 1 (temporary file left behind?)", len(ents))
	}
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "dir.csv"), func(io.Writer) error { return nil }); err == nil {
		t.Error("write into missing directory succeeded")
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"t,x\n0,1\n", "t,x,y\n0,1,2\n1,3,4\n", "", "t\n", "t,x\n1\n", "a,a\n1,2\n",
		"t,x\n0,NaN\n", "\"t\",\"x\"\n\"1\",2\n", "t,x\n0,\"1\n", "# c\n\nt\n1e5\n-0\n", "t,x\r\n1,2\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tab, err := ReadCSV(strings.NewReader(in), "fuzz.csv")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		if len(tab.Rows) == 0 || len(tab.Header) == 0 {
			t.Fatalf("accepted a table with no rows or columns: %+v", tab)
		}
		// What was read writes back and reads again identically.
		var buf bytes.Buffer
		if err := WriteCSV(&buf, tab.Header, tab.Rows); err != nil {
			t.Fatal(err)
		}
		back, err := ReadCSV(&buf, "back.csv")
		if err != nil {
			t.Fatalf("re-read: %v\n%s", err, buf.String())
		}
		if diff := cmp.Diff(tab.Rows, back.Rows); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		if diff := cmp.Diff(tab.Header, back.Header); diff != "" {
			t.Fatalf("header round trip (-first +second):\n%s", diff)
		}
	})
}

// A byte order mark, as spreadsheets write, is skipped: it used to become
// part of the first column's name, so looking up "t" failed with the
// baffling `no column "t" (have t,x)`.
func TestReadCSVByteOrderMark(t *testing.T) {
	tab, err := ReadCSV(strings.NewReader("\ufefft,x\n0,1\n"), "bom.csv")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Header[0] != "t" {
		t.Fatalf("header %q", tab.Header)
	}
	if _, err := tab.Col("t"); err != nil {
		t.Error(err)
	}
	// Only a leading one: elsewhere it is data (and not a number).
	_, err = ReadCSV(strings.NewReader("t,x\n0,\ufeff1\n"), "bom.csv")
	if !errors.Is(err, ErrNotNumber) || !strings.HasPrefix(err.Error(), "bom.csv:2:3: ") {
		t.Errorf("got %v", err)
	}
}

// A first column whose name starts with a byte order mark is quoted when
// written, so reading it back (which skips a leading mark) keeps the name.
func TestWriteCSVByteOrderMarkName(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, []string{"\ufefft", "x"}, [][]float64{{1, 2}}); err != nil {
		t.Fatal(err)
	}
	tab, err := ReadCSV(&buf, "b.csv")
	if err != nil || tab.Header[0] != "\ufefft" {
		t.Fatalf("header %q, %v", tab.Header, err)
	}
}
