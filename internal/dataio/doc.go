// Package dataio reads and writes the numeric CSV files nodekit exchanges
// between its commands: trajectories written by `nodekit sim`, training data
// read by `nodekit train` and `nodekit sindy`.
//
// # Format
//
// A file is a header line of distinct, non-empty column names followed by
// at least one row of numbers, one per column:
//
//	t,x,y
//	0,1,0
//	0.1,0.995,0.0998
//
// Fields may be quoted as in RFC 4180; blank lines and lines starting with
// '#' are ignored. Cells are parsed with strconv.ParseFloat after trimming
// spaces; NaN and ±Inf are rejected unless ReadOptions.AllowNonFinite is set.
//
// # Errors
//
// Every problem with the data is reported as an *Error that names the file
// and line, and the column (in bytes from 1) when one field is at fault
// ("traj.csv:17:9: column x: ..."), and wraps one of the package's
// sentinel errors, so callers can test it with errors.Is. A leading UTF-8
// byte order mark is skipped.
//
// # Writing
//
// WriteCSV formats numbers with strconv's shortest representation ('g', -1),
// so reading a written file gives back exactly the same float64 values.
// WriteFileAtomic writes a file through a temporary file in the same
// directory, synced and renamed into place, so a reader never sees a
// partial file and a crash never leaves one behind.
package dataio
