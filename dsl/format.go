package dsl

import (
	"sort"
	"strings"
)

// Format prints f in canonical form: one item per line indented by four
// spaces, one space around =, + and − and comparisons and none around *,
// / and ^, the fewest parentheses that keep the same tree, number
// literals as written, comments kept (a comment inside a multi-line item
// moves above it), single blank lines kept between items, one blank line
// between models. Format is idempotent and Parse(Format(f)) has the same
// AST as f.
func Format(f *File) []byte {
	p := &printer{f: f, comments: append([]*Comment(nil), f.Comments...)}
	sort.SliceStable(p.comments, func(i, j int) bool { return p.comments[i].Pos.Offset < p.comments[j].Pos.Offset })
	for i, m := range f.Models {
		p.flushBefore(m.Pos.Line, "", i == 0)
		if i > 0 && !p.lastWasComment {
			p.blank()
		}
		p.line = m.Pos.Line
		p.b.WriteString("model " + m.Name + " {")
		if len(m.Items) == 0 || m.Items[0].Position().Line != m.Pos.Line {
			p.trailing(m.Pos.Line)
		}
		p.b.WriteByte('\n')
		first := true
		for _, it := range m.Items {
			p.flushInside(it.Position().Line, it.End().Line, "    ", first)
			if !first && p.gapBefore(it.Position().Line) && !p.lastWasComment {
				p.blank()
			}
			first = false
			p.b.WriteString("    ")
			p.item(it)
			p.line = it.End().Line
			p.trailing(it.End().Line)
			p.b.WriteByte('\n')
			p.lastWasComment = false
		}
		p.flushBefore(m.EndPos.Line, "    ", first)
		p.b.WriteString("}")
		p.line = m.EndPos.Line
		p.trailing(m.EndPos.Line)
		p.b.WriteByte('\n')
		p.lastWasComment = false
	}
	p.flushBefore(1<<30, "", len(f.Models) == 0)
	return []byte(p.b.String())
}

type printer struct {
	f              *File
	b              strings.Builder
	comments       []*Comment
	line           int // last source line printed
	lastWasComment bool
}

func (p *printer) blank() { p.b.WriteByte('\n') }

// gapBefore reports whether the source has a blank line between the last
// printed line and line.
func (p *printer) gapBefore(line int) bool {
	for l := p.line + 1; l < line; l++ {
		if strings.TrimSpace(sourceLine(p.f.lines, l)) == "" {
			return true
		}
	}
	return false
}

// flushBefore prints the comments that start before line on lines of
// their own.
func (p *printer) flushBefore(line int, indent string, first bool) {
	for len(p.comments) > 0 && p.comments[0].Pos.Line < line {
		c := p.comments[0]
		p.comments = p.comments[1:]
		if !first && p.gapBefore(c.Pos.Line) {
			p.blank()
		}
		first = false
		p.b.WriteString(indent + c.Text + "\n")
		p.line = c.Pos.Line
		p.lastWasComment = true
	}
}

// flushInside prints the comments before an item spanning lines
// [start, end], including those inside it but not on its last line.
func (p *printer) flushInside(start, end int, indent string, first bool) {
	p.flushBefore(start, indent, first)
	for len(p.comments) > 0 && p.comments[0].Pos.Line < end {
		c := p.comments[0]
		p.comments = p.comments[1:]
		p.b.WriteString(indent + c.Text + "\n")
		p.lastWasComment = true
	}
}

// trailing prints a comment that sits on line after the code.
func (p *printer) trailing(line int) {
	for len(p.comments) > 0 && p.comments[0].Pos.Line == line {
		p.b.WriteString(" " + p.comments[0].Text)
		p.comments = p.comments[1:]
	}
}

func (p *printer) item(it Item) {
	w := &p.b
	switch it := it.(type) {
	case *DeclItem:
		w.WriteString(it.Kind + " ")
		for i, d := range it.Decls {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(d.Name)
			if d.Size != "" {
				w.WriteString("[" + d.Size + "]")
			}
			if d.Value != nil {
				w.WriteString(" = " + FormatExpr(d.Value))
			}
		}
	case *NetItem:
		w.WriteString("net " + it.Name + " = " + it.Kind + "(")
		for i, in := range it.Inputs {
			if i > 0 {
				w.WriteString(", ")
			}
			w.WriteString(FormatExpr(in))
		}
		if len(it.Options) > 0 {
			w.WriteString("; ")
			for i, o := range it.Options {
				if i > 0 {
					w.WriteString(", ")
				}
				w.WriteString(o.Name + " = " + FormatExpr(o.Value))
			}
		}
		w.WriteString(")")
	case *HamiltonianItem:
		w.WriteString("hamiltonian = " + FormatExpr(it.Value))
	case *EquationItem:
		primes := strings.Repeat("'", it.Order)
		if it.Group {
			w.WriteString("(" + strings.Join(it.Names, ", ") + ")" + primes)
		} else {
			w.WriteString(it.Names[0] + primes)
		}
		w.WriteString(" = " + FormatExpr(it.Value))
	}
}

// Precedence levels of the grammar, loosest first.
const (
	precCmp = 1 + iota
	precAdd
	precMul
	precUnary
	precPow
	precPostfix
)

func prec(n Node) int {
	switch n := n.(type) {
	case *Binary:
		switch n.Op {
		case "+", "-":
			return precAdd
		case "*", "/":
			return precMul
		case "^":
			return precPow
		}
		return precCmp
	case *Unary:
		return precUnary
	}
	return precPostfix
}

// FormatExpr prints an expression canonically.
func FormatExpr(n Node) string {
	var b strings.Builder
	writeExpr(&b, n)
	return b.String()
}

func writeParen(b *strings.Builder, n Node, paren bool) {
	if paren {
		b.WriteByte('(')
	}
	writeExpr(b, n)
	if paren {
		b.WriteByte(')')
	}
}

func writeExpr(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case *Number:
		b.WriteString(n.Text)
	case *Ident:
		b.WriteString(n.Name)
	case *Unary:
		b.WriteString(n.Op)
		writeParen(b, n.X, prec(n.X) < precUnary)
	case *Binary:
		p := prec(n)
		var lp, rp bool
		switch p {
		case precPow:
			lp = prec(n.X) < precPostfix
			rp = prec(n.Y) < precUnary
		case precCmp:
			lp = prec(n.X) <= precCmp
			rp = prec(n.Y) <= precCmp
		default:
			lp = prec(n.X) < p
			rp = prec(n.Y) <= p
		}
		writeParen(b, n.X, lp)
		if p <= precAdd {
			b.WriteString(" " + n.Op + " ")
		} else {
			b.WriteString(n.Op)
		}
		writeParen(b, n.Y, rp)
	case *Call:
		b.WriteString(n.Fun + "(")
		for i, a := range n.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(')')
	case *Index:
		writeParen(b, n.X, prec(n.X) < precPostfix)
		b.WriteByte('[')
		writeExpr(b, n.Index)
		b.WriteByte(']')
	case *Vector:
		b.WriteByte('[')
		for i, a := range n.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			writeExpr(b, a)
		}
		b.WriteByte(']')
	}
}
