package dev.audiopipeline.buildtools;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.AnnotatedArrayType;
import java.lang.reflect.AnnotatedParameterizedType;
import java.lang.reflect.AnnotatedType;
import java.lang.reflect.AnnotatedWildcardType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of a compiled module as sorted text: every public or protected type of the
 * packages the module exports to everyone, and each of its public or protected constructors,
 * methods and fields, with generic signatures and JSpecify {@code @Nullable} marks.
 *
 * <p>Exported packages come from {@code module-info.class} (qualified exports are not public API);
 * a module without a descriptor (an automatic module) exports every package except those with an
 * {@code internal} segment. Types are loaded without initialisation; the listing is built from
 * reflection only (no {@code toString()} of the JDK's), so it reads the same on every JDK from 17
 * on. Types, then members within a type, are sorted, so moving code inside a file changes nothing.
 *
 * <p>Command line: {@code ApiListing check|update ROOT MODULE...} compares (or rewrites) {@code
 * ROOT/api/MODULE.api} against {@code ROOT/MODULE/target/classes}.
 */
public final class ApiListing {
  /** How to accept a change, printed with every mismatch. */
  public static final String HOW_TO_ACCEPT =
      "If the change is intended, accept it with"
          + " ./mvnw -o clean verify -DskipTests -Dapi.update=true"
          + " and commit api/*.api with the change.";

  private static final String NULLABLE = "org.jspecify.annotations.Nullable";

  private ApiListing() {}

  /**
   * Checks or updates the listings of the named modules.
   *
   * @param args {@code check} or {@code update}, the project root, then one or more module
   *     directory names
   * @throws IllegalStateException when a listing differs from the compiled classes (check mode)
   */
  public static void main(String[] args) throws IOException {
    if (args.length < 3 || !(args[0].equals("check") || args[0].equals("update"))) {
      throw new IllegalArgumentException(
          "usage: ApiListing check|update ROOT MODULE... (got " + Arrays.toString(args) + ")");
    }
    boolean update = args[0].equals("update");
    Path root = Path.of(args[1]);
    List<String> modules = Arrays.asList(args).subList(2, args.length);
    List<Path> dirs = new ArrayList<>();
    for (String module : modules) {
      dirs.add(root.resolve(module).resolve("target/classes"));
    }
    List<String> failures = new ArrayList<>();
    try (URLClassLoader loader = loader(dirs)) {
      for (String module : modules) {
        check(root, module, update, loader).ifPresent(failures::add);
      }
    }
    if (!failures.isEmpty()) {
      throw new IllegalStateException(
          "The public API differs from its checked-in listing (- listed, + compiled):\n"
              + String.join("\n", failures)
              + "\n"
              + HOW_TO_ACCEPT);
    }
  }

  private static Optional<String> check(
      Path root, String module, boolean update, ClassLoader loader) throws IOException {
    Path classes = root.resolve(module).resolve("target/classes");
    Path file = root.resolve("api").resolve(module + ".api");
    String actual = listing(module, classes, loader);
    if (update) {
      Files.createDirectories(file.getParent());
      if (!Files.exists(file) || !Files.readString(file).equals(actual)) {
        Files.writeString(file, actual, StandardCharsets.UTF_8);
        System.out.println("[api] updated " + root.relativize(file));
      }
      return Optional.empty();
    }
    String expected = Files.exists(file) ? Files.readString(file) : "";
    return expected.equals(actual)
        ? Optional.empty()
        : Optional.of(root.relativize(file) + ":\n" + diff(expected, actual));
  }

  /**
   * The listing of one module's compiled classes.
   *
   * @param title the first line's name for the module
   * @param classes a directory of compiled classes (the module's {@code target/classes})
   * @return the listing, one line per type and per member, ending with a newline
   */
  public static String listing(String title, Path classes) throws IOException {
    try (URLClassLoader loader = loader(List.of(classes))) {
      return listing(title, classes, loader);
    }
  }

  private static String listing(String title, Path classes, ClassLoader loader) throws IOException {
    if (!Files.isDirectory(classes)) {
      throw new IllegalArgumentException(
          classes + " is not a directory of compiled classes: build the module first");
    }
    Set<String> exported = exportedPackages(classes);
    TreeMap<String, List<String>> types = new TreeMap<>();
    for (String name : classNames(classes, exported)) {
      Class<?> type;
      try {
        type = Class.forName(name, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new IllegalStateException(
            "cannot load " + name + " from " + classes + " (is its dependency missing?)", e);
      }
      if (isApi(type)) {
        types.put(type.getName(), members(type));
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("# ")
        .append(title)
        .append(": public API of ")
        .append(String.join(", ", exported))
        .append(" (regenerate: ./mvnw -o clean verify -DskipTests -Dapi.update=true)\n");
    types.values().forEach(lines -> lines.forEach(l -> out.append(l).append('\n')));
    return out.toString();
  }

  static Set<String> exportedPackages(Path classes) throws IOException {
    Path descriptor = classes.resolve("module-info.class");
    if (Files.exists(descriptor)) {
      try (InputStream in = Files.newInputStream(descriptor)) {
        return ModuleDescriptor.read(in).exports().stream()
            .filter(e -> !e.isQualified())
            .map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toCollection(TreeSet::new));
      }
    }
    try (Stream<Path> files = Files.walk(classes)) {
      return files
          .filter(p -> p.toString().endsWith(".class"))
          .map(p -> classes.relativize(p.getParent() == null ? classes : p.getParent()))
          .map(p -> p.toString().replace(p.getFileSystem().getSeparator(), "."))
          .filter(p -> !p.isEmpty())
          .filter(p -> !Arrays.asList(p.split("\\.", -1)).contains("internal"))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  private static List<String> classNames(Path classes, Set<String> packages) throws IOException {
    List<String> names = new ArrayList<>();
    for (String pkg : packages) {
      Path dir = classes.resolve(pkg.replace('.', '/'));
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.list(dir)) {
        files
            .map(p -> p.getFileName().toString())
            .filter(f -> f.endsWith(".class"))
            .filter(f -> !f.equals("package-info.class") && !f.equals("module-info.class"))
            .map(f -> pkg + "." + f.substring(0, f.length() - ".class".length()))
            .forEach(names::add);
      }
    }
    return names;
  }

  /**
   * The given class directories first, then the caller's class path (third-party types): the
   * listing always reads the classes just compiled, never an older jar of the same module that the
   * class path may hold.
   */
  private static URLClassLoader loader(List<Path> dirs) {
    URL[] urls = new URL[dirs.size()];
    try {
      for (int i = 0; i < urls.length; i++) {
        urls[i] = dirs.get(i).toUri().toURL();
      }
    } catch (MalformedURLException e) {
      throw new UncheckedIOException(e);
    }
    return new URLClassLoader(urls, Thread.currentThread().getContextClassLoader()) {
      @Override
      protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        synchronized (getClassLoadingLock(name)) {
          Class<?> c = findLoadedClass(name);
          if (c == null && !name.startsWith("java.")) {
            try {
              c = findClass(name);
            } catch (ClassNotFoundException notHere) {
              // not one of ours: the parent's
            }
          }
          if (c == null) {
            c = super.loadClass(name, false);
          }
          if (resolve) {
            resolveClass(c);
          }
          return c;
        }
      }
    };
  }

  /** Public or protected, not local or anonymous, and (if nested) inside an API type. */
  static boolean isApi(Class<?> type) {
    if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
      return false;
    }
    int m = type.getModifiers();
    if (!Modifier.isPublic(m) && !Modifier.isProtected(m)) {
      return false;
    }
    Class<?> outer = type.getDeclaringClass();
    return outer == null || isApi(outer);
  }

  private static List<String> members(Class<?> type) {
    List<String> lines = new ArrayList<>();
    for (Field f : type.getDeclaredFields()) {
      if (visible(f.getModifiers()) && !f.isSynthetic()) {
        lines.add(
            "  "
                + modifiers(f.getModifiers() & (Modifier.STATIC | Modifier.FINAL), f.getModifiers())
                + type(f.getAnnotatedType())
                + " "
                + f.getName());
      }
    }
    for (Constructor<?> c : type.getDeclaredConstructors()) {
      if (visible(c.getModifiers()) && !c.isSynthetic()) {
        lines.add("  " + executable(c, type.getSimpleName()));
      }
    }
    for (Method m : type.getDeclaredMethods()) {
      if (visible(m.getModifiers()) && !m.isSynthetic() && !m.isBridge()) {
        lines.add("  " + executable(m, null));
      }
    }
    lines.sort(null);
    lines.add(0, header(type));
    return lines;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static String header(Class<?> type) {
    int m = type.getModifiers();
    String kind;
    int shown;
    if (type.isAnnotation()) {
      kind = "@interface";
      shown = 0;
    } else if (type.isInterface()) {
      kind = "interface";
      shown = 0;
    } else if (type.isEnum()) {
      kind = "enum";
      shown = 0;
    } else if (type.isRecord()) {
      kind = "record";
      shown = 0;
    } else {
      kind = "class";
      shown = Modifier.ABSTRACT | Modifier.FINAL | Modifier.STATIC;
    }
    StringBuilder s = new StringBuilder(modifiers(m & shown, m));
    if (type.isSealed()) {
      s.append("sealed ");
    }
    s.append(kind)
        .append(' ')
        .append(type.getName())
        .append(typeParameters(type.getTypeParameters()));
    AnnotatedType superclass = type.getAnnotatedSuperclass();
    if (superclass != null
        && !type.isEnum()
        && !type.isRecord()
        && superclass.getType() != Object.class) {
      s.append(" extends ").append(type(superclass));
    }
    AnnotatedType[] interfaces = type.getAnnotatedInterfaces();
    if (interfaces.length > 0) {
      s.append(type.isInterface() ? " extends " : " implements ");
      s.append(Arrays.stream(interfaces).map(ApiListing::type).collect(Collectors.joining(", ")));
    }
    if (type.isSealed()) {
      Class<?>[] permitted = type.getPermittedSubclasses();
      if (permitted != null) {
        s.append(" permits ")
            .append(
                Arrays.stream(permitted)
                    .map(Class::getName)
                    .sorted()
                    .collect(Collectors.joining(", ")));
      }
    }
    return s.toString();
  }

  private static String executable(Executable e, @org.jspecify.annotations.Nullable String ctor) {
    int m = e.getModifiers();
    StringBuilder s = new StringBuilder();
    int shown = Modifier.STATIC | Modifier.FINAL | Modifier.ABSTRACT;
    if (e.getDeclaringClass().isInterface()) {
      shown = Modifier.STATIC; // implicitly public abstract; default is shown below
    }
    s.append(modifiers(m & shown, m));
    if (e instanceof Method method && method.isDefault()) {
      s.append("default ");
    }
    String typeParameters = typeParameters(e.getTypeParameters());
    if (!typeParameters.isEmpty()) {
      s.append(typeParameters.substring(1)).append(' ');
    }
    if (e instanceof Method method) {
      s.append(type(method.getAnnotatedReturnType())).append(' ').append(e.getName());
    } else {
      s.append(ctor);
    }
    AnnotatedType[] parameters = e.getAnnotatedParameterTypes();
    Class<?> owner = e.getDeclaringClass();
    if (e instanceof Constructor
        && owner.isMemberClass()
        && !Modifier.isStatic(owner.getModifiers())
        && parameters.length == e.getParameterCount()
        && parameters.length > 0) {
      // an inner class's constructor: older JDKs include the implicit outer instance here
      parameters = Arrays.copyOfRange(parameters, 1, parameters.length);
    }
    // The generic signature as written, when it lines up with the parameters: a JDK's reflection
    // can drop the generics of parameters that a newer javac marked as mandated (a record's
    // canonical constructor read on JDK 17 after javac 25 compiled it).
    Type[] generic = e.getGenericParameterTypes();
    List<String> rendered = new ArrayList<>();
    for (int i = 0; i < parameters.length; i++) {
      String p = type(parameters[i]);
      if (generic.length == parameters.length
          && parameters[i].getType() instanceof Class<?>
          && !(generic[i] instanceof Class<?>)) {
        p = (p.startsWith("@Nullable ") ? "@Nullable " : "") + generic[i].getTypeName();
      }
      if (e.isVarArgs() && i == parameters.length - 1 && p.endsWith("[]")) {
        p = p.substring(0, p.length() - 2) + "...";
      }
      rendered.add(p);
    }
    s.append('(').append(String.join(", ", rendered)).append(')');
    AnnotatedType[] exceptions = e.getAnnotatedExceptionTypes();
    if (exceptions.length > 0) {
      s.append(" throws ")
          .append(
              Arrays.stream(exceptions).map(ApiListing::type).collect(Collectors.joining(", ")));
    }
    return s.toString();
  }

  /** Access first (public or protected), then the given other modifiers in the JLS order. */
  private static String modifiers(int others, int all) {
    String access =
        Modifier.isPublic(all) ? "public " : Modifier.isProtected(all) ? "protected " : "";
    String rest = Modifier.toString(others);
    return access + (rest.isEmpty() ? "" : rest + " ");
  }

  private static String typeParameters(TypeVariable<?>[] variables) {
    if (variables.length == 0) {
      return "";
    }
    List<String> out = new ArrayList<>();
    for (TypeVariable<?> v : variables) {
      AnnotatedType[] bounds = v.getAnnotatedBounds();
      List<String> shown = new ArrayList<>();
      for (AnnotatedType b : bounds) {
        if (b.getType() != Object.class || b.getAnnotations().length > 0) {
          shown.add(type(b));
        }
      }
      out.add(v.getName() + (shown.isEmpty() ? "" : " extends " + String.join(" & ", shown)));
    }
    return "<" + String.join(", ", out) + ">";
  }

  /** A type as source would spell it, with binary names and {@code @Nullable} where annotated. */
  static String type(AnnotatedType t) {
    String nullable =
        Arrays.stream(t.getAnnotations())
                .anyMatch(a -> a.annotationType().getName().equals(NULLABLE))
            ? "@Nullable "
            : "";
    if (t instanceof AnnotatedArrayType array) {
      return type(array.getAnnotatedGenericComponentType())
          + (nullable.isEmpty() ? "" : " " + nullable.trim())
          + "[]";
    }
    if (t instanceof AnnotatedWildcardType w) {
      if (w.getAnnotatedLowerBounds().length > 0) {
        return nullable + "? super " + type(w.getAnnotatedLowerBounds()[0]);
      }
      AnnotatedType[] upper = w.getAnnotatedUpperBounds();
      if (upper.length == 0
          || (upper[0].getType() == Object.class && upper[0].getAnnotations().length == 0)) {
        return nullable + "?";
      }
      return nullable + "? extends " + type(upper[0]);
    }
    Type raw = t.getType();
    if (t instanceof AnnotatedParameterizedType p && raw instanceof ParameterizedType r) {
      return nullable
          + r.getRawType().getTypeName()
          + Arrays.stream(p.getAnnotatedActualTypeArguments())
              .map(ApiListing::type)
              .collect(Collectors.joining(", ", "<", ">"));
    }
    return nullable + raw.getTypeName();
  }

  /**
   * The lines only in {@code expected} ("-") or only in {@code actual} ("+"), each member named
   * with its type.
   */
  static String diff(String expected, String actual) {
    Set<String> a = qualified(expected);
    Set<String> b = qualified(actual);
    StringBuilder out = new StringBuilder();
    b.stream().filter(l -> !a.contains(l)).forEach(l -> out.append("  + ").append(l).append('\n'));
    a.stream().filter(l -> !b.contains(l)).forEach(l -> out.append("  - ").append(l).append('\n'));
    return out.toString();
  }

  private static Set<String> qualified(String listing) {
    Set<String> out = new TreeSet<>();
    String type = "";
    for (String line : listing.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith(" ")) {
        out.add(type + " { " + line.trim() + " }");
      } else {
        type = typeName(line);
        out.add(line);
      }
    }
    return out;
  }

  /** The type's name in its header line (so a changed header does not repeat every member). */
  private static String typeName(String header) {
    List<String> words = Arrays.asList(header.split(" ", -1));
    for (String kind : List.of("class", "interface", "enum", "record", "@interface")) {
      int i = words.indexOf(kind);
      if (i >= 0 && i + 1 < words.size()) {
        String name = words.get(i + 1);
        int generic = name.indexOf('<');
        return generic < 0 ? name : name.substring(0, generic);
      }
    }
    return header;
  }
}
