package scan

import (
	"path"
	"path/filepath"

	"gokerchunk/blob"
)

// InputExtensions are the file names the scan takes as inputs when it
// picks them itself: the files a directory or S3 prefix input contributes,
// and the new objects an S3 notification scans (the Lambda function).
var InputExtensions = []string{".nc", ".nc4", ".h5", ".hdf5", ".he5", ".hdf"}

// IsInput tells a file or object name with one of InputExtensions.
func IsInput(name string) bool { return blob.HasExtension(name, InputExtensions) }

// SidecarName is where `scan -o DIR/` writes input's sidecar: "<input file
// name>.json" inside dir, a local directory or an s3:// prefix.
func SidecarName(dir, input string) string {
	return blob.Join(dir, path.Base(filepath.ToSlash(input))+".json")
}

// MirroredSidecarName is where `scan --mirror -o DIR/` writes input's
// sidecar: "<input's path below root>.json" inside dir, root being the
// directory, prefix or glob root (blob.Expansion.Root) of the argument
// that named the input. ok is false when input is not below root.
func MirroredSidecarName(dir, root, input string) (name string, ok bool) {
	rel, ok := blob.Rel(root, input)
	if !ok {
		return "", false
	}
	if !blob.IsS3(dir) {
		rel = filepath.FromSlash(rel)
	}
	return blob.Join(dir, rel+".json"), true
}
