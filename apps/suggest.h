// "Did you mean ...?": the known names closest to a mistyped one.
#pragma once
#include <string>
#include <vector>

namespace d2l::apps {

// Names within a small edit distance of `name` (or containing it), closest first.
std::vector<std::string> close_matches(const std::string& name, const std::vector<std::string>& known);

// "unknown model 'lenett'; did you mean: lenet? Known: ..." as one message.
std::string unknown_name_message(const std::string& what, const std::string& name,
                                 const std::vector<std::string>& known);

}  // namespace d2l::apps
