#include "sfr/ui/project/project_from_folder.h"

#include "sfr/ui/editing/label_table.h"

namespace sfr::ui {

namespace fs = std::filesystem;

namespace {

nlohmann::json labelTableFor(const std::vector<std::string>& names) {
  LabelTable table;
  for (std::size_t value = 1; value < names.size() && value <= 254; ++value) {
    const auto v = static_cast<std::uint8_t>(value);
    if (!table.contains(v)) table.addEntry(LabelTable::defaultEntry(v));
    if (!names[value].empty()) table.setName(v, QString::fromStdString(names[value]));
  }
  return table.toJson();
}

}  // namespace

Project projectFromDataset(const io::Dataset& dataset, const std::optional<Vec3>& spacing) {
  Project project;
  const fs::path root = fs::absolute(dataset.root).lexically_normal();
  project.name = (root.has_filename() ? root : root.parent_path()).filename().string();
  project.layout = dataset.layout;
  project.source = root;
  project.spacing = spacing;
  for (const io::DatasetCase& c : dataset.cases) {
    ProjectCase pc;
    pc.id = c.id;
    pc.image = fs::absolute(c.image).lexically_normal();
    if (c.label) pc.label = fs::absolute(*c.label).lexically_normal();
    pc.state = c.label ? CaseState::Labelled : CaseState::Unlabelled;
    project.cases.push_back(std::move(pc));
  }
  project.labelTable = labelTableFor(dataset.labelNames);
  return project;
}

Project newProjectFromFolder(const fs::path& folder, const std::optional<Vec3>& spacing) {
  return projectFromDataset(io::openDataset(folder), spacing);
}

}  // namespace sfr::ui
