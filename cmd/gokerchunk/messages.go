package main

import (
	"errors"
	"io/fs"
	"strings"

	"gokerchunk/format"
	"gokerchunk/scan"
)

// describeError is an input's error as the CLI prints it: it names the
// file once, then the object and the reason, and what to do where there
// is something to do.
func describeError(input string, err error) string {
	msg := err.Error()
	var pe *fs.PathError
	if errors.As(err, &pe) {
		msg = pe.Path + ": " + describePathError(pe)
	}
	var fe *format.Error
	var ue *format.UnsupportedError
	var te *format.TruncatedError
	var ke *scan.UnknownFormatError
	if !(errors.As(err, &fe) || errors.As(err, &ue) || errors.As(err, &te) || errors.As(err, &ke) || strings.Contains(msg, input)) {
		msg = input + ": " + msg
	}
	if errors.As(err, &ue) {
		msg += "\n  " + onUnsupportedHint
	}
	return msg
}

// onUnsupportedHint says what to do when variables cannot be referenced.
const onUnsupportedHint = "use --on-unsupported=skip to leave such variables out (each is listed), or --on-unsupported=inline to also inline, whatever their size, those gokerchunk can decode or inline (zfp)"

// describePathError is what went wrong with a path, without the path.
func describePathError(pe *fs.PathError) string {
	switch {
	case errors.Is(pe.Err, fs.ErrPermission):
		return "permission denied (" + pe.Op + "): this user may not read it; check its mode and owner (ls -l) or run as a user who may"
	case errors.Is(pe.Err, fs.ErrNotExist):
		return "no such file"
	}
	return pe.Op + ": " + pe.Err.Error()
}
