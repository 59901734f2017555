#pragma once
// View > Language: System, English, 简体中文, Deutsch (each language named in itself), one
// exclusive checkable action each (object names "languageAction_system", "languageAction_en",
// "languageAction_zh_CN", "languageAction_de"). Choosing one stores it (storeLanguageChoice) and
// says in the window's status bar, in the chosen language, that it applies on the next start.
class QMainWindow;
class QMenu;

namespace sfr::ui {

/// The Language menu for `window` (its parent), the stored choice checked.
QMenu* createLanguageMenu(QMainWindow* window);

}  // namespace sfr::ui
