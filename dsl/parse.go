package dsl

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Parse parses the .node source src; filename is used in positions.
// Errors are an ErrorList of *Error wrapping ErrSyntax. A leading UTF-8
// byte order mark is ignored.
func Parse(filename string, src []byte) (*File, error) {
	// A UTF-8 byte order mark (some editors write one) is not text;
	// editors do not show it, so columns are counted without it.
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	lines := strings.Split(string(src), "\n")
	if err := checkNesting(filename, string(src), lines); err != nil {
		return nil, ErrorList{err}
	}
	g, err := fileParser.ParseBytes(filename, src)
	if err != nil {
		return nil, ErrorList{syntaxError(err, filename, lines)}
	}
	f := &File{Name: filename, lines: lines}
	c := converter{lines: lines}
	for _, gm := range g.Models {
		f.Models = append(f.Models, c.model(gm))
	}
	if len(c.errs) > 0 {
		c.errs.sort()
		if len(c.errs) > maxErrors {
			c.errs = c.errs[:maxErrors]
		}
		return nil, c.errs
	}
	f.Comments = comments(filename, src)
	return f, nil
}

// ParseExpr parses one expression, such as "x*exp(-y)". Newlines are
// allowed anywhere in it.
func ParseExpr(src string) (Node, error) {
	lines := strings.Split(src, "\n")
	if err := checkNesting("", src, lines); err != nil {
		return nil, ErrorList{err}
	}
	g, err := exprParser.ParseString("", src)
	if err != nil {
		return nil, ErrorList{syntaxError(err, "", lines)}
	}
	c := converter{lines: lines}
	e := c.expr(g)
	if len(c.errs) > 0 {
		return nil, c.errs
	}
	return e, nil
}

func syntaxError(err error, filename string, lines []string) *Error {
	var pe participle.Error
	if errors.As(err, &pe) {
		pos := pe.Position()
		if pos.Filename == "" {
			pos.Filename = filename
		}
		return &Error{Pos: pos, Msg: plainMessage(pe.Message()), Kind: ErrSyntax, Line: sourceLine(lines, pos.Line)}
	}
	return &Error{Pos: lexer.Position{Filename: filename, Line: 1, Column: 1}, Msg: err.Error(), Kind: ErrSyntax}
}

var (
	grammarName = regexp.MustCompile(`\bG[A-Z][A-Za-z]*`)
	grammarWord = map[string]string{
		"GFile": "a model", "GModel": "a model", "GItem": "an item", "GDecl": "a declaration",
		"GNet": "a net", "GNetOption": "a net option", "GEquation": "an equation",
	}
	tokenWord = strings.NewReplacer(`unexpected token "<EOF>"`, "unexpected end of file", `"<EOF>"`, "end of file",
		"lexer: invalid input text ", "invalid character at ", `"\n"`, "newline", "<eol>", "newline",
		"<ident>", "a name", "<number>", "a number", "<punct>", "a symbol")
)

// plainMessage rewrites participle's message in the words of the
// language: the grammar's struct names become "an expression" and the
// like, and an expectation that is a grammar fragment ("(" newline* (…)*
// …) is dropped, since the position and the caret say more.
func plainMessage(msg string) string {
	msg = tokenWord.Replace(msg)
	msg = grammarName.ReplaceAllStringFunc(msg, func(g string) string {
		if w, ok := grammarWord[g]; ok {
			return w
		}
		return "an expression"
	})
	if i := strings.Index(msg, " (expected "); i >= 0 {
		exp := msg[i+len(" (expected ") : len(msg)-1]
		if strings.ContainsAny(exp, "*|?") || len(exp) > 40 {
			msg = msg[:i]
		}
	}
	return msg
}

// MaxNesting is the deepest expression nesting Parse accepts: brackets,
// and chains of unary minuses and powers (-(-x), x^x^x), which the parser
// and the checker descend recursively. Deeper input is reported as a
// syntax error at the token that goes too deep, instead of exhausting the
// stack.
const MaxNesting = 1000

// checkNesting scans the tokens of src once and reports the first one at
// which the recursion depth the grammar needs exceeds MaxNesting. The
// depth is the number of open brackets plus, at each bracket level, the
// number of unary minuses and ^ since the last binary operator, comma,
// equals sign or brace of that level.
func checkNesting(filename, src string, lines []string) *Error {
	lx, err := nodeLexer.LexString(filename, src)
	if err != nil {
		return nil // the parser reports it
	}
	var (
		saved []int // chain of each enclosing bracket level
		sum   int   // Σ saved
		chain int   // unary minuses and powers at this level
		// operand is set after a token that ends an operand (so a
		// following '-' is binary).
		operand bool
	)
	for {
		tok, err := lx.Next()
		if err != nil || tok.EOF() {
			return nil
		}
		switch tok.Type {
		case commentType, spaceType, eolType:
			continue
		case numberType, identType:
			operand = true
			continue
		}
		switch tok.Value {
		case "(", "[":
			saved = append(saved, chain)
			sum += chain
			chain = 0
			operand = false
		case ")", "]":
			if n := len(saved); n > 0 {
				chain = saved[n-1]
				sum -= chain
				saved = saved[:n-1]
			}
			operand = true
		case "'":
			operand = true
		case "^":
			chain++
			operand = false
		case "-":
			if operand {
				chain = 0
			} else {
				chain++
			}
			operand = false
		default: // + * / comparisons , ; = { }
			chain = 0
			operand = false
		}
		if d := len(saved) + sum + chain; d > MaxNesting {
			return &Error{Pos: tok.Pos, Msg: fmt.Sprintf("expression nested too deeply (more than %d levels)", MaxNesting),
				Kind: ErrSyntax, Line: sourceLine(lines, tok.Pos.Line)}
		}
	}
}

// comments lexes src once more to collect the comments the parser elided.
func comments(filename string, src []byte) []*Comment {
	lx, err := nodeLexer.LexString(filename, string(src))
	if err != nil {
		return nil
	}
	ct := nodeLexer.Symbols()["Comment"]
	var out []*Comment
	for {
		tok, err := lx.Next()
		if err != nil || tok.EOF() {
			return out
		}
		if tok.Type == ct {
			out = append(out, &Comment{Pos: tok.Pos, Text: strings.TrimRight(tok.Value, " \t\r")})
		}
	}
}

var (
	eolType     = nodeLexer.Symbols()["EOL"]
	commentType = nodeLexer.Symbols()["Comment"]
	spaceType   = nodeLexer.Symbols()["Space"]
	numberType  = nodeLexer.Symbols()["Number"]
	identType   = nodeLexer.Symbols()["Ident"]
)

type converter struct {
	lines []string
	errs  ErrorList
}

func (c *converter) errorf(pos lexer.Position, format string, a ...any) {
	c.errs = append(c.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, a...), Kind: ErrSyntax, Line: sourceLine(c.lines, pos.Line)})
}

func (c *converter) model(g *gModel) *ModelDecl {
	m := &ModelDecl{Pos: g.Pos, EndPos: g.EndPos, Name: g.Name}
	for _, it := range g.Items {
		m.Items = append(m.Items, c.item(it))
	}
	return m
}

func (c *converter) item(g *gItem) Item {
	end := g.Pos
	for _, tok := range g.Tokens {
		if tok.Type != eolType && tok.Type != commentType && tok.Type != spaceType {
			end = tok.Pos
		}
	}
	switch {
	case g.Net != nil:
		n := &NetItem{Pos: g.Pos, EndPos: end, Name: g.Net.Name, Kind: g.Net.Kind}
		for _, in := range g.Net.Inputs {
			n.Inputs = append(n.Inputs, c.expr(in))
		}
		for _, o := range g.Net.Options {
			n.Options = append(n.Options, &NetOption{Pos: o.Pos, Name: o.Name, Value: c.expr(o.Value)})
		}
		return n
	case g.Ham != nil:
		return &HamiltonianItem{Pos: g.Pos, EndPos: end, Value: c.expr(g.Ham)}
	case g.Eq != nil:
		e := &EquationItem{Pos: g.Pos, EndPos: end, Value: c.expr(g.Eq.Value)}
		if g.Eq.Group != nil {
			e.Group = true
			e.Names = g.Eq.Group
			e.Order = len(g.Eq.Primes)
		} else {
			name := strings.TrimRight(g.Eq.Name, "'")
			e.Names = []string{name}
			e.Order = len(g.Eq.Name) - len(name)
		}
		return e
	}
	d := &DeclItem{Pos: g.Pos, EndPos: end, Kind: g.Kind}
	for _, gd := range g.Decls {
		x := &Decl{Pos: gd.Pos, Name: gd.Name, Size: gd.Size}
		if gd.Value != nil {
			x.Value = c.expr(gd.Value)
		}
		d.Decls = append(d.Decls, x)
	}
	return d
}

func (c *converter) expr(g *gExpr) Node {
	x := c.add(g.Left)
	if g.Cmp != nil {
		return &Binary{Pos: g.Cmp.Pos, Op: g.Cmp.Op, X: x, Y: c.add(g.Cmp.Right)}
	}
	return x
}

func (c *converter) add(g *gAdd) Node {
	x := c.mul(g.Left)
	for _, t := range g.Rest {
		x = &Binary{Pos: t.Pos, Op: t.Op, X: x, Y: c.mul(t.Right)}
	}
	return x
}

func (c *converter) mul(g *gMul) Node {
	x := c.unary(g.Left)
	for _, t := range g.Rest {
		x = &Binary{Pos: t.Pos, Op: t.Op, X: x, Y: c.unary(t.Right)}
	}
	return x
}

func (c *converter) unary(g *gUnary) Node {
	if g.Neg != nil {
		return &Unary{Pos: g.Pos, Op: "-", X: c.unary(g.Neg)}
	}
	return c.power(g.Power)
}

func (c *converter) power(g *gPower) Node {
	base := c.postfix(g.Base)
	if g.Exp == nil {
		return base
	}
	return &Binary{Pos: g.Exp.Pos, Op: "^", X: base, Y: c.unary(g.Exp.Exp)}
}

func (c *converter) postfix(g *gPostfix) Node {
	x := c.primary(g.Primary)
	for _, ix := range g.Index {
		x = &Index{Pos: ix.Pos, X: x, Index: c.expr(ix.Index)}
	}
	return x
}

func (c *converter) primary(g *gPrimary) Node {
	switch {
	case g.Number != nil:
		v, err := strconv.ParseFloat(*g.Number, 64)
		if err != nil || math.IsInf(v, 0) {
			c.errorf(g.Pos, "number %s is out of range", *g.Number)
		}
		return &Number{Pos: g.Pos, Text: *g.Number, Value: v}
	case g.Call != nil:
		call := &Call{Pos: g.Call.Pos, Fun: g.Call.Name}
		for _, a := range g.Call.Args {
			call.Args = append(call.Args, c.expr(a))
		}
		return call
	case g.Ident != nil:
		return &Ident{Pos: g.Pos, Name: *g.Ident}
	case g.Paren != nil:
		return c.expr(g.Paren)
	case g.Vector != nil:
		v := &Vector{Pos: g.Vector.Pos}
		for _, e := range g.Vector.Elems {
			v.Elems = append(v.Elems, c.expr(e))
		}
		return v
	}
	c.errorf(g.Pos, "empty expression")
	return &Number{Pos: g.Pos, Text: "0"}
}
