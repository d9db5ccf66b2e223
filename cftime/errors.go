package cftime

import (
	"errors"
	"fmt"
)

// UnitsError reports a units attribute (with its calendar) that ParseUnits
// cannot read, or that names a date the calendar does not have.
type UnitsError struct {
	Units    string
	Calendar string
	Msg      string
}

func (e *UnitsError) Error() string {
	return fmt.Sprintf("cftime: units %q (calendar %q): %s", e.Units, e.Calendar, e.Msg)
}

// ErrCalendarMismatch is wrapped by the errors of conversions between units
// of different calendars: a number of days means different instants there,
// so the combiner must not mix them.
var ErrCalendarMismatch = errors.New("cftime: calendars differ")

// ErrRange is wrapped by the errors of values that are not finite or whose
// date or converted value cannot be represented (cftime's limits: 64-bit
// microseconds from the reference time, years in a C int).
var ErrRange = errors.New("cftime: value out of range")

// errZeroUnits is the error of a method called on a Units that did not come
// from ParseUnits or NewUnits.
var errZeroUnits = errors.New("cftime: zero Units (not from ParseUnits or NewUnits)")
