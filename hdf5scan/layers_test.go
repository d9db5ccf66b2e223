package hdf5scan

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The two layers of the package (doc.go). Every non-test file is in one of
// them, so that a new file has to be placed.
var (
	formatLayerFiles = []string{
		"decoder.go", "checksum.go", "superblock.go", "superblockext.go",
		"objectheader.go", "sharedmessage.go", "group.go",
		"localheap.go", "globalheap.go", "fractalheap.go", "btree1.go", "btree2.go",
		"datatype.go", "dataspace.go", "layout.go", "filterpipeline.go", "fillvalue.go",
		"attribute.go", "externalfiles.go", "dataset.go",
		"chunkindex.go", "btree1chunks.go", "btree2chunks.go", "fixedarray.go", "extarray.go",
		"prefetch.go",
	}
	translationFiles = []string{
		"doc.go", "scan.go", "info.go", "netcdf.go", "zarrarray.go", "zarrtype.go",
		"codecs.go", "fillchunks.go", "fixedstrings.go", "vlenstring.go", "attrjson.go",
		"externalrefs.go", "sparsechunks.go", "zfp.go",
	}
	// formatLayerImports are the only packages of this module the format
	// layer may import.
	formatLayerImports = []string{"gokerchunk/format"}
)

// TestLayers enforces the package's boundary: the HDF5 format layer depends
// on nothing of the translation. A format-layer file imports nothing of
// this module but formatLayerImports and names no package-level identifier
// declared in a translation file; a translation file declares no method on
// a type of the format layer, so that every method a format-layer value
// has is the format layer's own.
func TestLayers(t *testing.T) {
	for _, v := range layerViolations(t, ".") {
		t.Error(v)
	}
}

// layerViolations parses the non-test files of dir and lists every breach
// of the rules TestLayers states.
func layerViolations(t *testing.T, dir string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	var out []string
	for _, p := range paths {
		name := filepath.Base(p)
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		if !slices.Contains(formatLayerFiles, name) && !slices.Contains(translationFiles, name) {
			out = append(out, name+": in neither layer (add it to formatLayerFiles or translationFiles)")
			continue
		}
		// Object resolution leaves the package-level names a file uses
		// from other files in its Unresolved list.
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = f
	}
	inFormat := func(name string) bool { return slices.Contains(formatLayerFiles, name) }

	// Package-level identifiers of each layer, and the format layer's types.
	declaredIn := map[string]string{}
	formatTypes := map[string]bool{}
	for name, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					declaredIn[d.Name.Name] = name
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						declaredIn[s.Name.Name] = name
						if inFormat(name) {
							formatTypes[s.Name.Name] = true
						}
					case *ast.ValueSpec:
						for _, id := range s.Names {
							declaredIn[id.Name] = name
						}
					}
				}
			}
		}
	}

	for name, f := range files {
		if inFormat(name) {
			for _, imp := range f.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				if (p == "gokerchunk" || strings.HasPrefix(p, "gokerchunk/")) && !slices.Contains(formatLayerImports, p) {
					out = append(out, fmt.Sprintf("%s: the format layer imports %s", fset.Position(imp.Pos()), p))
				}
			}
			for _, id := range f.Unresolved {
				if decl, ok := declaredIn[id.Name]; ok && !inFormat(decl) {
					out = append(out, fmt.Sprintf("%s: the format layer names %s, declared in the translation (%s)", fset.Position(id.Pos()), id.Name, decl))
				}
			}
			continue
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil {
				continue
			}
			if recv := receiverType(fd.Recv.List[0].Type); formatTypes[recv] {
				out = append(out, fmt.Sprintf("%s: the translation declares method %s on the format layer's %s", fset.Position(fd.Pos()), fd.Name.Name, recv))
			}
		}
	}
	slices.Sort(out)
	return out
}

// receiverType is the name of a method's receiver type (T, *T, T[P]).
func receiverType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}
