// Command tugapi prints the exported API of every non-internal package of a Go module as JSON.
//
// tug embeds this file, builds it with the user's own Go toolchain on first use and runs it on
// the previous release's tree and on HEAD, then compares the two outputs. It uses only the
// standard library: go/parser and go/types, with in-module packages type-checked here and every
// other import resolved by the "source" importer.
//
// Usage: tugapi <module-dir>
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type entry struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	Sig  string `json:"sig"`
}

type pkgAPI struct {
	Path    string  `json:"path"`
	Entries []entry `json:"entries"`
}

type output struct {
	Module   string   `json:"module"`
	Packages []pkgAPI `json:"packages"`
	Errors   []string `json:"errors"`
}

type moduleImporter struct {
	fset    *token.FileSet
	modPath string
	modDir  string
	pkgs    map[string]*types.Package
	names   map[string]bool // in-module import paths that hold a package
	source  types.ImporterFrom
	errors  []string
}

func (m *moduleImporter) Import(path string) (*types.Package, error) {
	return m.ImportFrom(path, m.modDir, 0)
}

func (m *moduleImporter) ImportFrom(path, dir string, mode types.ImportMode) (*types.Package, error) {
	if path == m.modPath || strings.HasPrefix(path, m.modPath+"/") {
		return m.check(path)
	}
	return m.source.ImportFrom(path, m.modDir, mode)
}

func (m *moduleImporter) dirOf(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, m.modPath), "/")
	return filepath.Join(m.modDir, filepath.FromSlash(rel))
}

func (m *moduleImporter) check(path string) (*types.Package, error) {
	if pkg, ok := m.pkgs[path]; ok {
		if pkg == nil {
			return nil, fmt.Errorf("import cycle through %s", path)
		}
		return pkg, nil
	}
	m.pkgs[path] = nil
	bp, err := build.Default.ImportDir(m.dirOf(path), 0)
	if err != nil {
		delete(m.pkgs, path)
		return nil, err
	}
	var files []*ast.File
	for _, name := range append(append([]string{}, bp.GoFiles...), bp.CgoFiles...) {
		f, err := parser.ParseFile(m.fset, filepath.Join(bp.Dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			m.errors = append(m.errors, err.Error())
			continue
		}
		files = append(files, f)
	}
	conf := types.Config{
		Importer:         m,
		IgnoreFuncBodies: true,
		FakeImportC:      true,
		Error: func(err error) {
			m.errors = append(m.errors, err.Error())
		},
	}
	pkg, _ := conf.Check(path, m.fset, files, nil)
	m.pkgs[path] = pkg
	return pkg, nil
}

func modulePath(dir string) (string, error) {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], "\"`"), nil
		}
	}
	return "", fmt.Errorf("%s: no module directive", filepath.Join(dir, "go.mod"))
}

// packageDirs lists the import paths of the module's public package directories: no internal,
// testdata or vendor directories, nothing hidden, no nested modules.
func packageDirs(modPath, modDir string) []string {
	var paths []string
	filepath.WalkDir(modDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		name := d.Name()
		if p != modDir {
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "internal" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		rel, _ := filepath.Rel(modDir, p)
		ip := modPath
		if rel != "." {
			ip = modPath + "/" + filepath.ToSlash(rel)
		}
		paths = append(paths, ip)
		return nil
	})
	return paths
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: tugapi <module-dir>")
		os.Exit(2)
	}
	modDir, err := filepath.Abs(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modPath, err := modulePath(modDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fset := token.NewFileSet()
	imp := &moduleImporter{
		fset:    fset,
		modPath: modPath,
		modDir:  modDir,
		pkgs:    map[string]*types.Package{},
		source:  importer.ForCompiler(fset, "source", nil).(types.ImporterFrom),
	}
	out := output{Module: modPath, Packages: []pkgAPI{}}
	for _, path := range packageDirs(modPath, modDir) {
		bp, err := build.Default.ImportDir(imp.dirOf(path), 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); !ok {
				out.Errors = append(out.Errors, err.Error())
			}
			continue
		}
		if bp.Name == "main" {
			continue
		}
		pkg, err := imp.check(path)
		if err != nil {
			out.Errors = append(out.Errors, err.Error())
			continue
		}
		if pkg == nil {
			continue
		}
		out.Packages = append(out.Packages, pkgAPI{Path: path, Entries: describe(pkg)})
	}
	out.Errors = append(out.Errors, imp.errors...)
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func describe(pkg *types.Package) []entry {
	q := types.RelativeTo(pkg)
	ts := func(t types.Type) string { return types.TypeString(t, q) }
	entries := []entry{}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch o := obj.(type) {
		case *types.Const:
			entries = append(entries, entry{"const", name, " " + ts(o.Type())})
		case *types.Var:
			entries = append(entries, entry{"var", name, " " + ts(o.Type())})
		case *types.Func:
			sig := o.Type().(*types.Signature)
			entries = append(entries, entry{"func", name, typeParams(sig.TypeParams(), q) + signature(sig, q)})
		case *types.TypeName:
			entries = append(entries, describeType(o, q)...)
		}
	}
	sort.Slice(entries, func(i, j int) bool {
		if entries[i].Name != entries[j].Name {
			return entries[i].Name < entries[j].Name
		}
		return entries[i].Kind < entries[j].Kind
	})
	return entries
}

func describeType(o *types.TypeName, q types.Qualifier) []entry {
	name := o.Name()
	ts := func(t types.Type) string { return types.TypeString(t, q) }
	if o.IsAlias() {
		return []entry{{"type", name, " = " + ts(types.Unalias(o.Type()))}}
	}
	named, ok := o.Type().(*types.Named)
	if !ok {
		return []entry{{"type", name, " " + ts(o.Type().Underlying())}}
	}
	tparams := typeParams(named.TypeParams(), q)
	var out []entry
	switch u := named.Underlying().(type) {
	case *types.Struct:
		out = append(out, entry{"type", name, tparams + " struct"})
		for i := 0; i < u.NumFields(); i++ {
			f := u.Field(i)
			if f.Exported() {
				out = append(out, entry{"field", name + "." + f.Name(), " " + ts(f.Type())})
			}
		}
	case *types.Interface:
		out = append(out, entry{"type", name, tparams + " " + ts(u)})
	default:
		out = append(out, entry{"type", name, tparams + " " + ts(u)})
	}
	for i := 0; i < named.NumMethods(); i++ {
		m := named.Method(i)
		if !m.Exported() {
			continue
		}
		sig := m.Type().(*types.Signature)
		recv := name
		if sig.Recv() != nil {
			if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
				recv = "*" + name
			}
		}
		out = append(out, entry{"func", "(" + recv + ")." + m.Name(), signature(sig, q)})
	}
	return out
}

func typeParams(list *types.TypeParamList, q types.Qualifier) string {
	if list == nil || list.Len() == 0 {
		return ""
	}
	parts := make([]string, list.Len())
	for i := 0; i < list.Len(); i++ {
		tp := list.At(i)
		parts[i] = tp.Obj().Name() + " " + types.TypeString(tp.Constraint(), q)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// signature renders "(T1, ...T2) (R1, R2)" without parameter names: renaming a parameter does
// not change the API.
func signature(sig *types.Signature, q types.Qualifier) string {
	params := make([]string, sig.Params().Len())
	for i := range params {
		t := sig.Params().At(i).Type()
		if sig.Variadic() && i == len(params)-1 {
			params[i] = "..." + types.TypeString(t.(*types.Slice).Elem(), q)
		} else {
			params[i] = types.TypeString(t, q)
		}
	}
	s := "(" + strings.Join(params, ", ") + ")"
	switch n := sig.Results().Len(); n {
	case 0:
	case 1:
		s += " " + types.TypeString(sig.Results().At(0).Type(), q)
	default:
		res := make([]string, n)
		for i := range res {
			res[i] = types.TypeString(sig.Results().At(i).Type(), q)
		}
		s += " (" + strings.Join(res, ", ") + ")"
	}
	return s
}
