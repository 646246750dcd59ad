using System.Text;

namespace ResultCache.Generator.Helpers
{
    /// <summary>Writes indented C# text, four spaces a level.</summary>
    internal sealed class SourceWriter
    {
        private readonly StringBuilder _text = new();
        private int _indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                _text.Append(' ', _indent * 4);
            }
            _text.Append(line).Append('\n');
        }

        public void OpenBlock(string header)
        {
            Line(header);
            Line("{");
            _indent++;
        }

        public void CloseBlock()
        {
            _indent--;
            Line("}");
        }

        public override string ToString() => _text.ToString();
    }
}
