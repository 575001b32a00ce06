package dataio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
)

// Sentinel errors wrapped by *Error.
var (
	ErrEmpty           = errors.New("dataio: empty file")
	ErrNoRows          = errors.New("dataio: no data rows")
	ErrHeader          = errors.New("dataio: bad header")
	ErrDuplicateHeader = errors.New("dataio: duplicate column name")
	ErrRagged          = errors.New("dataio: wrong number of fields")
	ErrNotNumber       = errors.New("dataio: not a number")
	ErrNonFinite       = errors.New("dataio: NaN or Inf value")
	ErrNotIncreasing   = errors.New("dataio: column not increasing")
	ErrNoColumn        = errors.New("dataio: no such column")
	ErrSyntax          = errors.New("dataio: CSV syntax error")
)

// Error is a data error located in a file. Line is 1-based; zero means the
// error concerns the file as a whole.
type Error struct {
	File   string
	Line   int
	Column int    // 1-based byte column of the field; zero when not one field's
	Err    error  // one of the sentinel errors
	Detail string // human-readable description
}

func (e *Error) Error() string {
	name := e.File
	if name == "" {
		name = "<input>"
	}
	if e.Line > 0 && e.Column > 0 {
		return fmt.Sprintf("%s:%d:%d: %s", name, e.Line, e.Column, e.Detail)
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", name, e.Line, e.Detail)
	}
	return fmt.Sprintf("%s: %s", name, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

// Table is a numeric CSV file held row-major: Rows[i][j] is the value of
// column Header[j] in data row i.
type Table struct {
	// Name is the file name used in error messages.
	Name   string
	Header []string
	Rows   [][]float64
	// Lines[i] is the 1-based line number of Rows[i] in the file (used to
	// locate errors found after reading, as by CheckIncreasing).
	Lines []int
}

// Index returns the position of the named column, or -1.
func (t *Table) Index(name string) int {
	for j, h := range t.Header {
		if h == name {
			return j
		}
	}
	return -1
}

// Col returns a copy of the named column.
func (t *Table) Col(name string) ([]float64, error) {
	j := t.Index(name)
	if j < 0 {
		return nil, &Error{File: t.Name, Err: ErrNoColumn,
			Detail: fmt.Sprintf("no column %q (have %s)", name, strings.Join(t.Header, ","))}
	}
	return t.ColAt(j, nil), nil
}

// ColAt writes column j into dst (grown if needed) and returns it.
func (t *Table) ColAt(j int, dst []float64) []float64 {
	if j < 0 || j >= len(t.Header) {
		panic(fmt.Sprintf("dataio: column index %d out of range [0,%d)", j, len(t.Header)))
	}
	if cap(dst) < len(t.Rows) {
		dst = make([]float64, len(t.Rows))
	}
	dst = dst[:len(t.Rows)]
	for i, r := range t.Rows {
		dst[i] = r[j]
	}
	return dst
}

// line returns the file line of data row i (or 0 when unknown).
func (t *Table) line(i int) int {
	if i < len(t.Lines) {
		return t.Lines[i]
	}
	return 0
}

// CheckIncreasing reports an *Error wrapping ErrNotIncreasing at the first
// row where the named column does not strictly increase, as in
// "traj.csv:17: t not increasing (3.2 after 3.3)".
func (t *Table) CheckIncreasing(col string) error {
	j := t.Index(col)
	if j < 0 {
		_, err := t.Col(col)
		return err
	}
	for i := 1; i < len(t.Rows); i++ {
		prev, cur := t.Rows[i-1][j], t.Rows[i][j]
		if !(cur > prev) {
			return &Error{File: t.Name, Line: t.line(i), Err: ErrNotIncreasing,
				Detail: fmt.Sprintf("%s not increasing (%s after %s)", col, fmtNum(cur), fmtNum(prev))}
		}
	}
	return nil
}

// ReadOptions adjust ReadCSVWith. The zero value (or nil) is the strict
// default.
type ReadOptions struct {
	// AllowNonFinite accepts NaN, Inf and -Inf cells.
	AllowNonFinite bool
}

// ReadCSV reads a numeric CSV table from r; name is used in error messages.
func ReadCSV(r io.Reader, name string) (*Table, error) {
	return ReadCSVWith(r, name, nil)
}

// ReadFile opens path and reads it with ReadCSV.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadCSV(f, path)
}

// ReadCSVWith reads a numeric CSV table from r with the given options; a nil
// opts means the defaults.
func ReadCSVWith(r io.Reader, name string, opts *ReadOptions) (*Table, error) {
	var o ReadOptions
	if opts != nil {
		o = *opts
	}
	// A UTF-8 byte order mark (spreadsheets write one) is not part of the
	// first column's name.
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // we report ragged rows ourselves, with the line
	cr.Comment = '#'
	cr.ReuseRecord = true
	t := &Table{Name: name}
	fail := func(line int, sentinel error, format string, args ...any) (*Table, error) {
		return nil, &Error{File: name, Line: line, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &Error{File: name, Line: pe.Line, Column: pe.Column, Err: ErrSyntax, Detail: pe.Err.Error()}
			}
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if t.Header == nil {
			seen := make(map[string]int, len(rec))
			t.Header = make([]string, len(rec))
			for j, h := range rec {
				h = strings.TrimSpace(h)
				_, col := cr.FieldPos(j)
				if h == "" {
					return nil, &Error{File: name, Line: line, Column: col, Err: ErrHeader, Detail: fmt.Sprintf("empty name for column %d in header", j+1)}
				}
				if k, dup := seen[h]; dup {
					return nil, &Error{File: name, Line: line, Column: col, Err: ErrDuplicateHeader, Detail: fmt.Sprintf("duplicate column %q (columns %d and %d)", h, k+1, j+1)}
				}
				seen[h] = j
				t.Header[j] = h
			}
			continue
		}
		if len(rec) != len(t.Header) {
			return fail(line, ErrRagged, "%d fields, want %d (as in the header)", len(rec), len(t.Header))
		}
		row := make([]float64, len(rec))
		for j, cell := range rec {
			failCell := func(sentinel error, format string, args ...any) (*Table, error) {
				l, col := cr.FieldPos(j)
				return nil, &Error{File: name, Line: l, Column: col, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
			}
			s := strings.TrimSpace(cell)
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				var ne *strconv.NumError
				if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
					return failCell(ErrNotNumber, "column %s: %q out of float64 range", t.Header[j], s)
				}
				return failCell(ErrNotNumber, "column %s: %q is not a number", t.Header[j], s)
			}
			if !o.AllowNonFinite && (math.IsNaN(v) || math.IsInf(v, 0)) {
				return failCell(ErrNonFinite, "column %s: %s value not allowed", t.Header[j], s)
			}
			row[j] = v
		}
		t.Rows = append(t.Rows, row)
		t.Lines = append(t.Lines, line)
	}
	if t.Header == nil {
		return fail(0, ErrEmpty, "empty file (no header)")
	}
	if len(t.Rows) == 0 {
		return fail(0, ErrNoRows, "header but no data rows")
	}
	return t, nil
}

// WriteCSV writes a header line and the rows to w, formatting numbers with
// strconv.FormatFloat(v, 'g', -1, 64) so they read back exactly. Header
// names are quoted where the reader would otherwise misread them. Every row
// must have len(header) values; names must be non-empty and distinct.
func WriteCSV(w io.Writer, header []string, rows [][]float64) error {
	bw := bufio.NewWriterSize(w, 32<<10)
	seen := make(map[string]bool, len(header))
	for j, h := range header {
		if strings.TrimSpace(h) == "" {
			return &Error{Line: 1, Err: ErrHeader, Detail: fmt.Sprintf("empty name for column %d in header", j+1)}
		}
		if seen[h] {
			return &Error{Line: 1, Err: ErrDuplicateHeader, Detail: fmt.Sprintf("duplicate column %q", h)}
		}
		seen[h] = true
		if j > 0 {
			bw.WriteByte(',')
		}
		writeName(bw, h)
	}
	bw.WriteByte('\n')
	var buf []byte
	for i, r := range rows {
		if len(r) != len(header) {
			return &Error{Line: i + 2, Err: ErrRagged,
				Detail: fmt.Sprintf("row %d has %d values, header has %d", i, len(r), len(header))}
		}
		buf = buf[:0]
		for j, v := range r {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, v, 'g', -1, 64)
		}
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// writeName writes a header cell, quoted when it holds a separator, a quote,
// a line break, surrounding space, or starts with the comment character or
// a byte order mark (which the reader skips at the start of a file).
func writeName(w *bufio.Writer, s string) {
	if !strings.ContainsAny(s, ",\"\r\n") && s[0] != '#' && strings.TrimSpace(s) == s && !strings.HasPrefix(s, "\ufeff") {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(s, `"`, `""`))
	w.WriteByte('"')
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
