// A C++ DLL built by mingw-w64 g++ with static libstdc++ and libgcc: the
// standard containers, virtual calls and new/delete, behind a C interface.
// It does not throw (exceptions inside DLLs are the unwinding issue's).
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace {

struct Shape {
    virtual ~Shape() = default;
    virtual double area() const = 0;
    virtual std::string name() const = 0;
};

struct Rect : Shape {
    double w, h;
    Rect(double w, double h) : w(w), h(h) {}
    double area() const override { return w * h; }
    std::string name() const override { return "rect"; }
};

struct Circle : Shape {
    double r;
    explicit Circle(double r) : r(r) {}
    double area() const override { return 3.0 * r * r; }
    std::string name() const override { return "circle"; }
};

}  // namespace

// Counts the words of `text` (std::map<std::string, int>), then writes
// "word=count" pairs in order into `out`. Returns the number of words.
extern "C" __declspec(dllexport) int32_t cpp_word_counts(const char *text, char *out, size_t n) {
    std::map<std::string, int> counts;
    std::string word;
    int32_t words = 0;
    for (const char *p = text;; ++p) {
        if (*p == ' ' || *p == 0) {
            if (!word.empty()) {
                ++counts[word];
                ++words;
                word.clear();
            }
            if (*p == 0) break;
        } else {
            word.push_back(*p);
        }
    }
    std::string joined;
    for (const auto &entry : counts) {
        if (!joined.empty()) joined += ' ';
        joined += entry.first + "=" + std::to_string(entry.second);
    }
    std::snprintf(out, n, "%s", joined.c_str());
    return words;
}

// Builds shapes through new (std::unique_ptr), calls them virtually, and
// describes the total: "rect+circle+rect=<area>".
extern "C" __declspec(dllexport) double cpp_shapes(const double *dims, int32_t n, char *out, size_t size) {
    std::vector<std::unique_ptr<Shape>> shapes;
    for (int32_t i = 0; i + 1 < n; i += 2) {
        if (dims[i] < 0)
            shapes.push_back(std::unique_ptr<Shape>(new Circle(dims[i + 1])));
        else
            shapes.push_back(std::unique_ptr<Shape>(new Rect(dims[i], dims[i + 1])));
    }
    double total = 0;
    std::string names;
    for (const auto &s : shapes) {
        total += s->area();
        if (!names.empty()) names += '+';
        names += s->name();
    }
    std::snprintf(out, size, "%s=%g", names.c_str(), total);
    return total;
}

// A vector that grows through many reallocations, summed.
extern "C" __declspec(dllexport) int64_t cpp_vector_sum(int32_t n) {
    std::vector<int64_t> v;
    for (int32_t i = 1; i <= n; ++i) v.push_back(static_cast<int64_t>(i) * i);
    int64_t sum = 0;
    for (int64_t x : v) sum += x;
    return sum;
}
